// pulumi-language-python (podlb stand-in): the part of Pulumi's Python language host that
// `pulumi preview/up/refresh/destroy`, `pulumi install`, `pulumi package add`, `--policy-pack`,
// source plugins (PulumiPlugin.yaml, runtime python) and `pulumi package gen-sdk --language python`
// use. It resolves the program's virtualenv with the SDK's own python/toolchain package and runs
// the SDK's own pulumi-language-python-exec (installed beside this binary); it reports the
// program's plugins from its packages' pulumi-plugin.json, installs virtualenvs and starts
// source plugins as the real host does (plugins.go); it generates SDKs with
// pkg/v3/codegen/python, the real host's generator.
//
// Left out: Link (so `pulumi package add` generates a Python SDK but doesn't install it into the
// venv), program dependencies, the uv and poetry toolchains, typecheckers, debugging,
// GenerateProject/GenerateProgram (`pulumi convert`), Pack, and what plugins.go lists.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version says what this is wherever the CLI shows plugin versions (`pulumi about`, logs).
var version = "dev-podlb.standin"

// exitedAfterUserMessage is the exit code pulumi-language-python-exec uses after it has
// shown the user an actionable error (the engine then shows no second one).
const exitedAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	exec          string
	engineAddress string
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "accepted for the engine's sake; tracing is not supported")
	// Flags Pulumi's hosts accepted, unused, until pulumi#21065 (Dec 2025); engines built on older
	// SDKs still pass them when they start a host: the YAML host from the module proxy (v1.25.0,
	// SDK v3.206.0) does, to start a Python source plugin (docs/real-engine.md, finding 16).
	for _, obsolete := range []string{"virtualenv", "root", "typechecker", "toolchain"} {
		flag.String(obsolete, "", "[obsolete] ignored")
	}
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	self, err := os.Executable()
	if err != nil {
		cmdutil.Exit(err)
	}
	h := &host{exec: filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")}
	if _, err := os.Stat(h.exec); err != nil {
		cmdutil.Exit(fmt.Errorf("missing executor beside the host: %w", err))
	}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if h.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Second, cancel); err != nil {
			cmdutil.Exit(err)
		}
	}
	done := make(chan bool)
	go func() { <-ctx.Done(); close(done) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: done,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(err)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(err)
	}
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// pythonOptions reads the runtime options of Pulumi.yaml or PulumiPlugin.yaml (virtualenv,
// toolchain) the way the Python runtime documents them; only pip-style virtualenvs are supported
// here. A plugin without a virtualenv option gets `venv` in its folder, as with the real host:
// plugins never run in the ambient Python.
func pythonOptions(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.RootDirectory, ProgramDir: info.ProgramDirectory, Toolchain: toolchain.Pip}
	options := map[string]any{}
	if info.Options != nil {
		options = info.Options.AsMap()
	}
	if venv, ok := options["virtualenv"].(string); ok {
		opts.Virtualenv = venv
	}
	if tc, ok := options["toolchain"].(string); ok && tc != "pip" {
		return opts, fmt.Errorf("runtime option toolchain: %q: podlb's stand-in Python host supports pip only", tc)
	}
	if isPlugin && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

// resolve is the toolchain (pip and a virtualenv) of a program or plugin, with its options.
func resolve(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, toolchain.Toolchain, error) {
	opts, err := pythonOptions(info, isPlugin)
	if err != nil {
		return opts, nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return opts, tc, err
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	_, tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	args := []string{h.exec}
	for _, kv := range [][2]string{
		{"monitor", req.GetMonitorAddress()}, {"engine", h.engineAddress}, {"project", req.GetProject()},
		{"root_directory", req.GetInfo().GetRootDirectory()}, {"stack", req.GetStack()}, {"pwd", req.GetPwd()},
		{"dry_run", strconv.FormatBool(req.GetDryRun())}, {"parallel", strconv.Itoa(int(req.GetParallel()))},
		{"organization", req.GetOrganization()},
	} {
		if kv[1] != "" {
			args = append(args, "--"+kv[0], kv[1])
		}
	}
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{} // the exec script reads a JSON object, never null
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitedAfterUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return &pulumirpc.AboutResponse{Executable: h.exec, Version: version}, nil
}

// GeneratePackage writes the Python SDK of a package schema into req.Directory
// (`pulumi package gen-sdk --language python`), with references to other packages resolved
// through the engine's schema loader.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	cached := schema.NewCachedLoader(loader)
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	response := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return response, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), cached)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return response, nil
}
