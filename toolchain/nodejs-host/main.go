// pulumi-language-nodejs (podlb stand-in): the part of Pulumi's Node.js language host that
// `pulumi preview/up/refresh/destroy`, `pulumi install`, `pulumi package gen-sdk --language
// nodejs` and `pulumi package add` use. Its Run starts the program runner of the program's own
// @pulumi/pulumi (`node <@pulumi/pulumi>/cmd/run --monitor … <entrypoint>`) with the arguments
// and variables the real host passes; InstallDependencies and Link go through the SDK's own
// nodejs/npm package (npm, yarn, pnpm or bun, as the real host picks them); GeneratePackage is
// pkg/v3/codegen/nodejs, the real host's generator. Written from a reading of the real host
// (sdk/nodejs/cmd/pulumi-language-nodejs/main.go), not copied from it.
//
// Left out:
//   - the resource-monitor proxy and the synchronous-invoke pipes (`--sync`): the program talks
//     to the engine's monitor directly, and the SDK's synchronous invokes (deprecated) fail;
//   - GetRequiredPackages/GetRequiredPlugins report nothing (no scan of node_modules for
//     `"pulumi": {"resource": true}`): the engine loads each provider when the program first
//     registers one of its resources, from the project's `packages:`, $PATH or beside `pulumi`;
//     the check for mixed @pulumi/pulumi versions goes with it;
//   - the bun runtime (`--runtime bun`), attaching a debugger, tracing (the `--tracing` flag is
//     accepted and dropped), the out-of-memory hint, installing a Node.js version with fnm
//     (UseLanguageVersionTools), RunPlugin (policy packs and plugins written in Node.js),
//     GenerateProject/GenerateProgram (`pulumi convert`, `pulumi new`), Pack, Template and
//     RuntimeOptionsPrompts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blang/semver"
	"github.com/google/shlex"
	"github.com/pulumi/pulumi/pkg/v3/codegen/cgstrings"
	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/fsutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version says what this is wherever the CLI shows plugin versions (`pulumi about`, logs).
var version = "dev-podlb.standin"

const (
	// runModule is the program runner inside @pulumi/pulumi, resolved from the program's directory
	// (PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it, as for the real host).
	runModule = "@pulumi/pulumi/cmd/run"
	// exitedAfterUserMessage is the exit code cmd/run uses after it has shown the user an
	// actionable error (the engine then shows no second one).
	exitedAfterUserMessage = 32
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	cancelCtx     context.Context // done once the engine calls Cancel
	cancel        context.CancelFunc
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "accepted for the engine's sake; tracing is not supported")
	runtime := flag.String("runtime", "nodejs", "only nodejs: the bun runtime is not supported by this stand-in")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	if *runtime != "nodejs" {
		cmdutil.Exit(fmt.Errorf("runtime %q: podlb's stand-in Node.js host runs nodejs only", *runtime))
	}
	cancelCtx, cancelRuns := context.WithCancel(context.Background())
	defer cancelRuns()
	h := &host{cancelCtx: cancelCtx, cancel: cancelRuns}
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

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// nodeOptions are the runtime options of Pulumi.yaml the Node.js runtime documents.
type nodeOptions struct {
	typescript     bool   // run .ts through ts-node (default true)
	tsconfig       string // tsconfig file for ts-node
	nodeargs       string // extra arguments for node
	packageManager npm.PackageManagerType
	production     bool // install without devDependencies
}

func parseOptions(options *structpb.Struct) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packageManager: npm.AutoPackageManager}
	values := map[string]any{}
	if options != nil {
		values = options.AsMap()
	}
	for key, value := range values {
		var ok bool
		switch key {
		case "typescript":
			opts.typescript, ok = value.(bool)
		case "production":
			opts.production, ok = value.(bool)
		case "tsconfig":
			opts.tsconfig, ok = value.(string)
		case "nodeargs":
			opts.nodeargs, ok = value.(string)
		case "packagemanager":
			var pm string
			if pm, ok = value.(string); ok {
				switch pm {
				case "auto", "npm", "yarn", "pnpm", "bun":
					opts.packageManager = npm.PackageManagerType(pm)
				default:
					return opts, fmt.Errorf("runtime option packagemanager: %q is not one of auto, npm, yarn, pnpm or bun", pm)
				}
			}
		default:
			continue // options of other tools (e.g. main, handled by the engine) are not ours
		}
		if !ok {
			return opts, fmt.Errorf("runtime option %s: %v has the wrong type", key, value)
		}
	}
	return opts, nil
}

// resolveModule asks node where `module` resolves from dir (as the program would load it).
func resolveModule(ctx context.Context, node, module, dir string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)); } catch (e) { "+
		"console.error(e.code === 'MODULE_NOT_FOUND' ? 'It looks like the Pulumi SDK has not been installed. "+
		"Have you run pulumi install?' : e.message); process.exit(1); }", module)
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// runArguments are cmd/run's flags and the program, as the real host passes them.
func (h *host) runArguments(req *pulumirpc.RunRequest, runPath string) []string {
	args := []string{runPath}
	for _, kv := range [][2]string{
		{"monitor", req.GetMonitorAddress()}, {"engine", h.engineAddress},
		{"organization", req.GetOrganization()}, {"project", req.GetProject()},
		{"root-directory", req.GetInfo().GetRootDirectory()}, {"stack", req.GetStack()},
		{"pwd", req.GetInfo().GetProgramDirectory()},
	} {
		if kv[1] != "" {
			args = append(args, "--"+kv[0], kv[1])
		}
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, req.GetInfo().GetEntryPoint())
	return append(args, req.GetArgs()...)
}

// configJSON is PULUMI_CONFIG: keys spelled `<namespace>:config:<name>`, the spelling every
// @pulumi/pulumi release reads (newer ones read `<namespace>:<name>` too).
func configJSON(configMap map[string]string) (string, error) {
	spelled := make(map[string]string, len(configMap))
	for k, v := range configMap {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		spelled[key.Namespace()+":config:"+key.Name()] = v
	}
	data, err := json.Marshal(spelled)
	return string(data), err
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = runModule
	}
	if runPath, err = resolveModule(ctx, node, runPath, info.GetProgramDirectory()); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("runtime option nodeargs: %v", err)}, nil
	}
	args = append(args, h.runArguments(req, runPath)...)

	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	// Ended by the engine's Cancel or the end of this request: SIGINT first, SIGKILL 5 s later.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stop := context.AfterFunc(ctx, cmdCancel)
	defer stop()
	cmd := exec.CommandContext(cmdCtx, node, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	// Node may switch its stdio to non-blocking: copy through a pipe rather than hand it our files.
	cmd.Stdout, cmd.Stderr = struct{ io.Writer }{os.Stdout}, struct{ io.Writer }{os.Stderr}
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run node): %v", err)}, nil
		}
		if exitErr.ExitCode() == exitedAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies runs the project's package manager (`npm install`, …) in its directory, or
// in the root of the npm/yarn workspace it belongs to (`pulumi install`, `pulumi package add`).
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	root := req.GetInfo().GetProgramDirectory()
	if workspace, err := npm.FindWorkspaceRoot(root); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", workspace)
		root = workspace
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("failure while trying to find workspace root: %w", err)
	}
	fmt.Fprintln(stdout, "Installing dependencies...")
	if name, err := npm.Install(server.Context(), opts.packageManager, root, opts.production, stdout, stderr); err != nil {
		return fmt.Errorf("%s install failed: %w", name, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(opts.packageManager, req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	packages, err := pm.ListPackages(ctx, req.GetInfo().GetProgramDirectory(), req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to get node dependencies: %w", err)
	}
	response := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range packages {
		response.Dependencies = append(response.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return response, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return &pulumirpc.AboutResponse{Executable: node}, nil
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(string(out))}, nil
}

// GeneratePackage writes the Node.js SDK of a package schema into req.Directory (`pulumi
// package gen-sdk --language nodejs`; with req.Local, the TypeScript sources and the postinstall
// step that compiles them, as `pulumi package add` wants), with references to other packages
// resolved through the engine's schema loader.
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
	files, err := codegen.GeneratePackage("pulumi-language-nodejs", pkg, req.GetExtraFiles(),
		req.GetLocalDependencies(), req.GetLocal(), cached)
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

// nodePackageName is the npm name the generated SDK of pkg carries (codegen/nodejs's rule).
func nodePackageName(pkg *schema.Package) string {
	if info, ok := pkg.Language["nodejs"].(codegen.NodePackageInfo); ok && info.PackageName != "" {
		return info.PackageName
	}
	if pkg.Namespace != "" {
		return "@" + pkg.Namespace + "/" + pkg.Name
	}
	return "@pulumi/" + pkg.Name
}

// packageDescriptor is what the schema loader needs to find a linked package's schema.
func packageDescriptor(dep *pulumirpc.PackageDependency) *schema.PackageDescriptor {
	descriptor := &schema.PackageDescriptor{Name: dep.GetName(), DownloadURL: dep.GetServer()}
	if v, err := semver.ParseTolerant(dep.GetVersion()); err == nil {
		descriptor.Version = &v
	}
	if p := dep.GetParameterization(); p != nil {
		descriptor.Parameterization = &schema.ParameterizationDescriptor{Name: p.GetName(), Value: p.GetValue()}
		if v, err := semver.ParseTolerant(p.GetVersion()); err == nil {
			descriptor.Parameterization.Version = v
		}
	}
	return descriptor
}

// Link adds each generated SDK to the program's package.json as a `file:` dependency (the
// package manager's own `pkg set`; installing is InstallDependencies' job) and says how to
// import it.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	info := req.GetInfo()
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)
	pm, err := npm.ResolvePackageManager(opts.packageManager, info.GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	// ES module syntax for TypeScript (ts-node, or a tsconfig.json) and for "type": "module".
	modules := opts.typescript || opts.tsconfig != ""
	if !modules {
		if _, err := fsutil.Searchup(info.GetProgramDirectory(), "tsconfig.json"); err == nil {
			modules = true
		} else if manifest, _, err := npm.ReadPackageManifest(info.GetProgramDirectory()); err == nil {
			modules = manifest["type"] == "module"
		}
	}
	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, packageDescriptor(dep.GetPackage()))
		if err != nil {
			return nil, err
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"nodejs": codegen.Importer}); err != nil {
			return nil, err
		}
		name := nodePackageName(pkg)
		if err := pm.Link(ctx, info.GetProgramDirectory(), name, dep.GetPath()); err != nil {
			return nil, err
		}
		if modules {
			fmt.Fprintf(&imports, "  import * as %s from %q;\n", cgstrings.Camel(ref.Name()), name)
		} else {
			fmt.Fprintf(&imports, "  const %s = require(%q);\n", cgstrings.Camel(ref.Name()), name)
		}
	}
	language := "JavaScript"
	if modules {
		language = "TypeScript"
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: fmt.Sprintf("You can import the SDK in your %s code with:\n\n%s", language, imports.String()),
	}, nil
}

// Cancel ends a running program (SIGINT, then SIGKILL after 5 s).
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}
