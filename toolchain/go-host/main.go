// pulumi-language-go (podlb stand-in): the part of Pulumi's Go language host that `pulumi
// preview/up/refresh/destroy`, `pulumi package gen-sdk --language go` and `pulumi package add`
// use. The real host (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) is a module the
// Go module proxy here does not serve (`bash .ci/toolchain --check-missing`); this one was
// written from a reading of its source (sdk/go/pulumi-language-go/main.go) and does what it
// does for those commands:
//
//   - Run: the program is `runtime.options.binary` (looked up on PATH) or is compiled with `go
//     build -buildvcs=false -trimpath -ldflags "-w -s"` in the program's directory (into
//     `runtime.options.buildTarget` if given, else a temporary file removed after the run), then
//     run in the request's working directory with the variables the Go SDK reads
//     (sdk/go/pulumi/run.go): PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_ROOT_DIRECTORY,
//     PULUMI_STACK, PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_DRY_RUN, PULUMI_PARALLEL,
//     PULUMI_MONITOR, PULUMI_ENGINE. Exit status 32 (the SDK has already reported the error to
//     the engine) becomes a bail; Cancel interrupts the program.
//   - GeneratePackage: pkg/v3/codegen/go, the real host's generator.
//   - Link: a `replace` directive in the program's go.mod for each linked SDK, and the import
//     lines to use; InstallDependencies: `go mod tidy -compat=1.18`, as the real host runs.
//
// Left out: reporting required packages and plugins (GetRequiredPackages answers none, so the
// engine loads each provider when the program first registers one of its resources, from the
// plugin cache or $PATH; the real host reads every required module's pulumi-plugin.json),
// the deprecated `go run` mode (PULUMI_GO_USE_RUN), attaching a debugger (dlv), tracing and
// OpenTelemetry spans, GetProgramDependencies (`pulumi about` lists no Go modules),
// RunPlugin (Go providers and policy packs from source), GenerateProject/GenerateProgram
// (`pulumi convert`, `pulumi import` code), Pack, vendor-mode module lookup, and Link's
// special case of the `pulumi` package itself (a local Go SDK replacing sdk/v3).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver"
	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	codegenrpc "github.com/pulumi/pulumi/sdk/v3/proto/go/codegen"
	"golang.org/x/mod/modfile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version says what this is wherever the CLI shows plugin versions (`pulumi about`, logs).
var version = "dev-podlb.standin"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	stop          context.CancelFunc // stops serving: the engine went away
	cancelRuns    context.Context    // done once the engine calls Cancel
	cancel        context.CancelFunc
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "accepted for the engine's sake; tracing is not supported")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	runs, cancel := context.WithCancel(context.Background())
	h := &host{stop: stop, cancelRuns: runs, cancel: cancel}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(0)
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start the health check of the engine: %w", err))
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

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() == "" {
		return nil, errors.New("the handshake must give the engine's address")
	}
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins is deprecated; the real Go host doesn't implement it either.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "GetRequiredPlugins is not implemented: use GetRequiredPackages")
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// goOptions are the runtime options of a Go project's Pulumi.yaml.
type goOptions struct {
	binary      string // an executable to run instead of building the program
	buildTarget string // where to build the program (kept after the run)
}

func parseOptions(info *pulumirpc.ProgramInfo) (goOptions, error) {
	var opts goOptions
	options := map[string]any{}
	if info.GetOptions() != nil {
		options = info.GetOptions().AsMap()
	}
	for name, into := range map[string]*string{"binary": &opts.binary, "buildTarget": &opts.buildTarget} {
		if value, ok := options[name]; ok {
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option %s must be a string", name)
			}
			*into = s
		}
	}
	if opts.binary != "" && opts.buildTarget != "" {
		return opts, errors.New("runtime options binary and buildTarget cannot both be set")
	}
	return opts, nil
}

func (h *host) logToEngine(ctx context.Context, message string) {
	address := h.engine()
	if address == "" {
		return
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return
	}
	defer conn.Close()
	// best effort, as in the real host: a lost progress line is no failure
	_, _ = pulumirpc.NewEngineClient(conn).Log(ctx, &pulumirpc.LogRequest{
		Severity: pulumirpc.LogSeverity_INFO, Message: message, Ephemeral: true,
	})
}

// build compiles the program in dir into outfile (a temporary file when empty) and returns its path.
func (h *host) build(ctx context.Context, dir, outfile string) (string, error) {
	if matches, err := filepath.Glob(filepath.Join(dir, "*.go")); err != nil || len(matches) == 0 {
		return "", fmt.Errorf("no Go files to build in %s", dir)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("unable to find the 'go' executable: %w", err)
	}
	if outfile == "" {
		f, err := os.CreateTemp("", "pulumi-go.*")
		if err != nil {
			return "", err
		}
		outfile = f.Name()
		if err := f.Close(); err != nil {
			return "", err
		}
	}
	h.logToEngine(ctx, "Compiling the program ...")
	cmd := exec.CommandContext(ctx, gobin, "build", "-buildvcs=false", "-o", outfile, "-trimpath", "-ldflags", "-w -s")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("error in compiling Go: unable to run `go build`: %w", err)
	}
	if info, err := os.Stat(outfile); err != nil || info.Mode()&0o111 == 0 {
		return "", errors.New("error in compiling Go: the program is not executable; does it have a 'main' package?")
	}
	h.logToEngine(ctx, "Finished compiling")
	return outfile, nil
}

// environment is how the Go SDK's pulumi.Run learns about the deployment (sdk/go/pulumi/run.go).
func (h *host) environment(req *pulumirpc.RunRequest) ([]string, error) {
	config := ""
	if req.GetConfig() != nil {
		c, err := json.Marshal(req.GetConfig())
		if err != nil {
			return nil, err
		}
		config = string(c)
	}
	secretKeys := "[]"
	if req.GetConfigSecretKeys() != nil {
		k, err := json.Marshal(req.GetConfigSecretKeys())
		if err != nil {
			return nil, err
		}
		secretKeys = string(k)
	}
	env := os.Environ()
	for _, kv := range [][2]string{
		{pulumi.EnvOrganization, req.GetOrganization()},
		{pulumi.EnvProject, req.GetProject()},
		{pulumi.EnvPulumiRootDirectory, req.GetInfo().GetRootDirectory()},
		{pulumi.EnvStack, req.GetStack()},
		{pulumi.EnvConfig, config},
		{pulumi.EnvConfigSecretKeys, secretKeys},
		{pulumi.EnvDryRun, strconv.FormatBool(req.GetDryRun())},
		{pulumi.EnvParallel, strconv.Itoa(int(req.GetParallel()))},
		{pulumi.EnvMonitor, req.GetMonitorAddress()},
		{pulumi.EnvEngine, h.engine()},
	} {
		if kv[1] != "" { // an empty value is left unset, as the real host does
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return env, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engine() == "" {
		return nil, errors.New("Run before Handshake: the engine's address is unknown")
	}
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	env, err := h.environment(req)
	if err != nil {
		return nil, fmt.Errorf("failed to prepare the program's environment: %w", err)
	}
	program := opts.binary
	if program != "" {
		if program, err = exec.LookPath(opts.binary); err != nil {
			return nil, fmt.Errorf("unable to find the executable %q: %w", opts.binary, err)
		}
	} else {
		if program, err = h.build(ctx, req.GetInfo().GetProgramDirectory(), opts.buildTarget); err != nil {
			return nil, err
		}
		if opts.buildTarget == "" {
			defer os.Remove(program)
		}
	}
	// The program stops when the engine calls Cancel or the request ends.
	runCtx, stopRun := context.WithCancel(h.cancelRuns)
	defer stopRun()
	context.AfterFunc(ctx, stopRun)
	cmd := exec.CommandContext(runCtx, program)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == constant.ExitStatusLoggedError:
		return &pulumirpc.RunResponse{Bail: true}, nil // the program has told the engine already
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

// InstallDependencies runs `go mod tidy -compat=1.18` in the program's directory, as the real host
// does (`pulumi install`, and `pulumi package add` after Link).
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("unable to find the 'go' executable: %w", err)
	}
	cmd := exec.CommandContext(server.Context(), gobin, "mod", "tidy", "-compat=1.18")
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`go mod tidy` failed to install dependencies: %w", err)
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("could not find the 'go' executable: %w", err)
	}
	out, err := exec.Command(gobin, "version").Output()
	if err != nil {
		return nil, fmt.Errorf("`go version` failed: %w", err)
	}
	return &pulumirpc.AboutResponse{Executable: gobin, Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// bind reads a package schema as the real host does: references to other packages are resolved
// through the engine's schema loader and may dangle.
func bind(spec string, loader schema.Loader) (*schema.Package, []*codegenrpc.Diagnostic, error) {
	var s schema.PackageSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		return nil, nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	pkg, diags, err := schema.BindSpec(s, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, nil, err
	}
	if diags.HasErrors() {
		return nil, plugin.HclDiagnosticsToRPCDiagnostics(diags), nil
	}
	return pkg, plugin.HclDiagnosticsToRPCDiagnostics(diags), nil
}

// GeneratePackage writes the Go SDK of a package schema into req.Directory (`pulumi package
// gen-sdk --language go`; `pulumi package add` asks for a module of its own, with a go.mod).
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if len(req.GetExtraFiles()) > 0 {
		return nil, errors.New("overlays are not supported for Go")
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	pkg, diags, err := bind(req.GetSchema(), schema.NewCachedLoader(loader))
	if err != nil || pkg == nil {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: diags}, err
	}
	files, err := codegen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		target := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(target, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: diags}, nil
}

// modulePath is the Go module an SDK in dir declares (its go.mod, as `pulumi package add` writes
// one), or else the one the package's schema implies.
func modulePath(dir string, pkg *schema.Package) (string, error) {
	if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
		if m := modfile.ModulePath(data); m != "" {
			return m, nil
		}
	}
	if err := pkg.ImportLanguages(map[string]schema.Language{"go": codegen.Importer}); err != nil {
		return "", err
	}
	if info, ok := pkg.Language["go"].(codegen.GoPackageInfo); ok {
		if info.ModulePath != "" {
			return info.ModulePath, nil
		}
		if info.ImportBasePath != "" {
			return path.Dir(info.ImportBasePath), nil
		}
	}
	return codegen.ExtractModulePath(pkg.Reference()), nil
}

// Link points the program's go.mod at locally generated SDKs: a `replace` of each SDK's module
// by its directory (relative, "./…", as go.mod requires), and says what to import.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)
	root := req.GetInfo().GetRootDirectory()
	gomodPath := filepath.Join(req.GetInfo().GetProgramDirectory(), "go.mod")
	data, err := os.ReadFile(gomodPath)
	if err != nil {
		return nil, fmt.Errorf("reading the program's go.mod: %w", err)
	}
	gomod, err := modfile.Parse(gomodPath, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", gomodPath, err)
	}
	var imports []string
	for _, dep := range req.GetPackages() {
		desc := &schema.PackageDescriptor{Name: dep.GetPackage().GetName(), DownloadURL: dep.GetPackage().GetServer()}
		if v, err := semver.New(dep.GetPackage().GetVersion()); err == nil {
			desc.Version = v
		}
		if p := dep.GetPackage().GetParameterization(); p != nil {
			desc.Parameterization = &schema.ParameterizationDescriptor{Name: p.GetName(), Value: p.GetValue()}
			if v, err := semver.New(p.GetVersion()); err == nil {
				desc.Parameterization.Version = *v
			}
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, desc)
		if err != nil {
			return nil, err
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		dir := dep.GetPath()
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		module, err := modulePath(dir, pkg)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(req.GetInfo().GetProgramDirectory(), dir)
		if err != nil {
			return nil, err
		}
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "../") {
			rel = "./" + rel
		}
		if err := gomod.AddReplace(module, "", rel, ""); err != nil {
			return nil, fmt.Errorf("could not add a replace of %s: %w", module, err)
		}
		imports = append(imports, codegen.ExtractImportBasePath(pkg.Reference()))
	}
	out, err := gomod.Format()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(out, data) {
		if err := os.WriteFile(gomodPath, out, 0o644); err != nil {
			return nil, err
		}
	}
	sort.Strings(imports)
	var b strings.Builder
	b.WriteString("You can import the SDK in your Go code with:\n\n  import (\n")
	for _, i := range imports {
		fmt.Fprintf(&b, "    %q\n", i)
	}
	b.WriteString("  )\n")
	return &pulumirpc.LinkResponse{ImportInstructions: b.String()}, nil
}
