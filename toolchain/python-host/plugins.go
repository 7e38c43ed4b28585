// Plugins and packages: what the real Python host does so that a program's provider plugins reach
// the engine by themselves (read from pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go,
// GetRequiredPackages, InstallDependencies and RunPlugin, and written here on the same SDK
// packages, python/toolchain and rpcutil):
//
//   - GetRequiredPackages: every installed distribution that carries a pulumi-plugin.json in the
//     package named like it (or is named pulumi-*) is reported with its plugin's name, version
//     (the file's, else the distribution's) and download server, so the engine installs a missing
//     plugin before the program runs.
//   - InstallDependencies: a virtualenv from requirements.txt (and, for a plugin that is a
//     buildable Python package, `pip install .`): the engine asks for it after unpacking a
//     downloaded plugin, on `pulumi package add` and on `pulumi install`.
//   - RunPlugin: a source plugin (PulumiPlugin.yaml) runs as `python <folder> ARGS` when it has a
//     __main__.py, else `python -m pulumi.run.plugin <pyproject name> ARGS`, in its virtualenv; a
//     policy pack as `python -m pulumi.policy ARGS <folder>` behind the SDK's policy proxy.
//
// Left out: the fallback for plugins whose pulumi SDK predates pulumi.run.plugin, debugging, the
// uv and poetry toolchains; output of the virtualenv made for GetRequiredPackages goes to this
// host's stderr, not to the engine's log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// withoutPlugins are distributions named pulumi-* that declare no plugin (the real host's list).
var withoutPlugins = map[string]bool{"pulumi-policy": true, "pulumi-esc-sdk": true}

// pluginJSONPaths is run in the program's virtualenv: for each distribution named on the command
// line, the pulumi-plugin.json of the top-level package named like it ("" when there is none).
const pluginJSONPaths = `import importlib.metadata, importlib.util, json, os, sys
found = {}
for dist in sys.argv[1:]:
    path = ""
    try:
        name = importlib.metadata.distribution(dist).metadata["Name"].replace("-", "_")
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if os.path.isfile(os.path.join(folder, "pulumi-plugin.json")):
                path = os.path.join(folder, "pulumi-plugin.json")
                break
    except Exception:
        pass
    found[dist] = path
print(json.dumps(found))`

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	_, tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, os.Stderr, os.Stderr); err != nil {
		return nil, err
	}
	installed, err := tc.ListPackages(ctx, true)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(installed))
	for _, dist := range installed {
		names = append(names, dist.Name)
	}
	paths := map[string]string{}
	if len(names) > 0 {
		cmd, err := tc.Command(ctx, append([]string{"-c", pluginJSONPaths}, names...)...)
		if err != nil {
			return nil, err
		}
		// As the real host: a script that can't run leaves only the pulumi-* names to go by.
		if out, err := cmd.Output(); err == nil {
			if err := json.Unmarshal(out, &paths); err != nil {
				return nil, fmt.Errorf("looking for pulumi-plugin.json in the program's packages: %w", err)
			}
		}
	}
	response := &pulumirpc.GetRequiredPackagesResponse{}
	for _, dist := range installed {
		if withoutPlugins[dist.Name] {
			continue
		}
		var declared *plugin.PulumiPluginJSON
		if path := paths[dist.Name]; path != "" {
			if declared, err = plugin.LoadPulumiPluginJSON(path); err != nil {
				return nil, fmt.Errorf("reading %s of %s: %w", path, dist.Name, err)
			}
		}
		if declared == nil && !strings.HasPrefix(dist.Name, "pulumi-") {
			continue
		}
		if dependency := packageDependency(dist, declared); dependency != nil {
			response.Packages = append(response.Packages, dependency)
		}
	}
	return response, nil
}

// packageDependency is the plugin a distribution declares: nil when its pulumi-plugin.json says
// it has none, or when its version has no plugin version this host can tell.
func packageDependency(dist plugin.DependencyInfo, declared *plugin.PulumiPluginJSON) *pulumirpc.PackageDependency {
	name, version, server := strings.TrimPrefix(dist.Name, "pulumi-"), "", ""
	if declared != nil {
		if !declared.Resource {
			return nil
		}
		if declared.Name != "" {
			name = declared.Name
		}
		version, server = declared.Version, declared.Server
	}
	if version == "" {
		version = pluginVersion(dist.Version)
		if version == "" {
			return nil
		}
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dependency := &pulumirpc.PackageDependency{Name: name, Version: version, Kind: "resource", Server: server}
	if declared != nil {
		dependency.Parameterization = parameterization(declared.Parameterization)
		dependency.Extension = parameterization(declared.ExtensionParameterization)
	}
	return dependency
}

func parameterization(p *plugin.PulumiParameterizationJSON) *pulumirpc.PackageParameterization {
	if p == nil {
		return nil
	}
	return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
}

var pep440 = regexp.MustCompile(`^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?$`)

// pluginVersion turns a distribution's PEP 440 version into its plugin's semver, as the real
// host documents it (determinePluginVersion): at least three numbers (1.2 -> 1.2.0), a/b/rc as
// -alpha.N/-beta.N/-rc.N, .postN as +postN, .devN as +devN (or devN after +postN). "" for what
// it doesn't translate (epochs, local versions), which the host skips, as the real one does.
func pluginVersion(v string) string {
	m := pep440.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	numbers := strings.Split(m[1], ".")
	for len(numbers) < 3 {
		numbers = append(numbers, "0")
	}
	out := strings.Join(numbers, ".")
	if m[2] != "" {
		out += "-" + map[string]string{"a": "alpha", "b": "beta", "rc": "rc"}[m[2]] + "." + m[3]
	}
	switch {
	case m[4] != "" && m[5] != "":
		out += "+post" + m[4] + "dev" + m[5]
	case m[4] != "":
		out += "+post" + m[4]
	case m[5] != "":
		out += "+dev" + m[5]
	}
	return out
}

// InstallDependencies makes the program's or plugin's virtualenv from its requirements.txt
// (a plugin that is a buildable package gets `pip install <folder>` too), streaming pip's output.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	_, tc, err := resolve(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	ctx, dir := server.Context(), req.GetInfo().GetProgramDirectory()
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if req.GetIsPlugin() {
		buildable, err := toolchain.IsBuildablePackage(dir)
		if err != nil {
			return fmt.Errorf("checking if the plugin is a buildable package: %w", err)
		}
		if buildable {
			if err := tc.InstallPackage(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
				return err
			}
		}
	}
	if err := tc.InstallDependencies(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// RunPlugin starts a source plugin (a resource plugin's PulumiPlugin.yaml folder) or a policy
// pack in its virtualenv, with the engine's arguments and environment, streaming its output.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	policyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	opts, tc, err := resolve(req.GetInfo(), !policyPack)
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	var args []string
	switch {
	case policyPack:
		args = append(append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...), dir)
	case fileExists(filepath.Join(opts.Root, "__main__.py")):
		args = append([]string{dir}, req.GetArgs()...)
	default:
		buildable, err := toolchain.IsBuildablePackage(opts.Root)
		if err != nil {
			return fmt.Errorf("checking if the plugin is a buildable package: %w", err)
		}
		if !buildable {
			return errors.New("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
		}
		project, err := toolchain.LoadPyproject(opts.Root)
		if err != nil {
			return fmt.Errorf("loading pyproject: %w", err)
		}
		args = append([]string{"-m", "pulumi.run.plugin", project.Project.Name}, req.GetArgs()...)
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	cmd.Dir = req.GetPwd()
	if policyPack {
		cmd.Dir = dir // policy packs have always run in their own folder
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	var proxy *sdk.PolicyProxy
	if policyPack {
		// the pack sees the stack's configuration, which the proxy learns from the engine
		if proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout); err != nil {
			return err
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return err
		}
		if config != nil {
			cmd.Env = append(cmd.Env, "PULUMI_ORGANIZATION="+config.Organization, "PULUMI_PROJECT="+config.Project,
				"PULUMI_STACK="+config.Stack, "PULUMI_DRY_RUN="+strconv.FormatBool(config.DryRun))
			if config.Config != nil {
				c, err := json.Marshal(config.Config)
				if err != nil {
					return err
				}
				cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(c))
			}
		}
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the plugin with %s: %w", cmd.Path, err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return err
	}
	return closer.Close()
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
