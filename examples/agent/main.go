// Command agent is DriftExact's self-hosted, read-only data agent: the
// program a team runs next to its database so that a check can read the
// access records it needs over HTTPS, and nothing else.
//
//	agent serve -config agent.json   run the agent
//	agent check -config agent.json   check the configuration and exit
//	agent token                      make a new token and print it with its hash
//	agent hash < token.txt           print the hash of a token read from stdin
//
// The configuration file names the SQL driver (sqlite, pgx or mysql), the
// environment variable that holds the DSN, one query and column mapping
// per workspace, the hashes of the tokens allowed to read each workspace,
// the listen address and the TLS certificate and key. See
// agent.example.json. The agent keeps only token hashes; the token itself
// is shown once, by "agent token", to be handed to whoever runs the check.
//
// On SIGHUP the agent reads its configuration again and replaces each
// workspace's tokens, so a token can be rotated without a restart; other
// changes need a restart. SIGINT and SIGTERM stop it, letting running
// streams finish for up to 30 seconds.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/time/rate"
	_ "modernc.org/sqlite"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/sqlsrc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin,
		stdout: os.Stdout, stderr: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		stop()
		os.Exit(1)
	}
}

// env is what the program reads and writes besides its files.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// listening, when not nil, receives the address once the agent
	// listens.
	listening chan<- string
}

const usage = `usage:
  agent serve -config agent.json   run the agent
  agent check -config agent.json   check the configuration and exit
  agent token                      make a new token; print it and its hash
  agent hash                       print the hash of a token read from stdin`

func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "token":
		return newToken(e.stdout)
	case "hash":
		return hashToken(e.stdin, e.stdout)
	case "serve", "check":
		fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
		fs.SetOutput(e.stderr)
		path := fs.String("config", "agent.json", "configuration file")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if args[0] == "check" {
			return check(*path, e)
		}
		return serve(ctx, *path, e)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// newToken prints a new token, to hand to whoever runs the check, and its
// hash, for the agent's configuration.
func newToken(w io.Writer) error {
	tok, err := agent.NewToken()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "token:  %s\nsha256: %s\n", string(tok), agent.HashToken(tok))
	return err
}

// hashToken reads one token from r and prints its hash.
func hashToken(r io.Reader, w io.Writer) error {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the token: %w", err)
	}
	tok := strings.TrimSpace(line)
	if len(tok) < agent.MinTokenLength {
		return fmt.Errorf("the token on stdin has %d characters, want at least %d "+
			"(make one with \"agent token\")", len(tok), agent.MinTokenLength)
	}
	_, err = fmt.Fprintln(w, agent.HashToken(agent.Token(tok)))
	return err
}

// check loads the configuration, the database handle and the TLS files,
// as serve would, without listening.
func check(path string, e env) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	db, _, err := build(cfg, e.getenv, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := serverOptions(cfg); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "config %s: ok, %d workspaces\n", path, len(cfg.Workspaces))
	return err
}

// build opens the database and makes the handler.
func build(cfg *Config, getenv func(string) string, log *slog.Logger) (
	*sql.DB, *agent.Handler, error) {
	dsn, err := cfg.dsn(getenv)
	if err != nil {
		return nil, nil, err
	}
	driver := cfg.Database.Driver
	if driver == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	var spaces []agent.Workspace
	for i, wc := range cfg.Workspaces {
		ws, err := workspace(db, wc, fmt.Sprintf("workspaces[%d]", i))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		spaces = append(spaces, ws)
	}
	l := cfg.Limits
	h, err := agent.NewHandler(spaces, &agent.Options{
		Logger: log, Rate: rate.Limit(l.RatePerSecond), Burst: l.Burst,
		MaxStreams: l.MaxStreams, WriteTimeout: time.Duration(l.WriteTimeout),
		MaxDuration: time.Duration(l.MaxDuration), Insecure: cfg.InsecureLoopback,
		Ready: db.PingContext,
	})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, h, nil
}

func workspace(db *sql.DB, wc WorkspaceConfig, at string) (agent.Workspace, error) {
	src, err := sqlsrc.New(db, wc.Query, &sqlsrc.Options{
		Columns: wc.Columns, ActiveValues: wc.ActiveValues, Args: wc.Args})
	if err != nil {
		return agent.Workspace{}, fieldError(at+".query", "%v", err)
	}
	hashes, err := wc.hashes(at)
	if err != nil {
		return agent.Workspace{}, err
	}
	return agent.Workspace{ID: wc.ID, Access: src, Tokens: hashes}, nil
}

// serverOptions loads the TLS files.
func serverOptions(cfg *Config) (*agent.ServerOptions, error) {
	l := cfg.Limits
	o := &agent.ServerOptions{
		Addr:              cfg.Listen,
		ReadHeaderTimeout: time.Duration(l.ReadHeaderTimeout),
		IdleTimeout:       time.Duration(l.IdleTimeout),
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
	if cfg.InsecureLoopback {
		return o, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
	if err != nil {
		return nil, fieldError("tls.cert_file", "%v", err)
	}
	o.Certificates = []tls.Certificate{cert}
	if cfg.TLS.ClientCAFile != "" {
		pem, err := os.ReadFile(cfg.TLS.ClientCAFile)
		if err != nil {
			return nil, fieldError("tls.client_ca_file", "%v", err)
		}
		o.ClientCAs = x509.NewCertPool()
		if !o.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fieldError("tls.client_ca_file", "no PEM certificate in %q", cfg.TLS.ClientCAFile)
		}
	}
	return o, nil
}

// serve runs the agent until ctx ends.
func serve(ctx context.Context, path string, e env) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	db, h, err := build(cfg, e.getenv, log)
	if err != nil {
		return err
	}
	defer db.Close()
	so, err := serverOptions(cfg)
	if err != nil {
		return err
	}
	srv, err := agent.NewServer(h, so)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	// Catch SIGHUP before serving, so that it never falls back to its
	// default action, which ends the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(ctx, hup, path, h, log)
	return listen(ctx, srv, ln, cfg, e, log)
}

// listen serves on ln until ctx ends, then shuts the server down.
func listen(ctx context.Context, srv *http.Server, ln net.Listener, cfg *Config,
	e env, log *slog.Logger) error {
	scheme := "https"
	if cfg.InsecureLoopback {
		scheme = "http"
	}
	for _, ws := range cfg.Workspaces {
		log.Info("agent: serving", "url", scheme+"://"+ln.Addr().String()+agent.GrantsPath(ws.ID))
	}
	if e.listening != nil {
		e.listening <- ln.Addr().String()
	}
	done := make(chan error, 1)
	go func() {
		if cfg.InsecureLoopback {
			done <- srv.Serve(ln)
		} else {
			done <- srv.ServeTLS(ln, "", "")
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// reloadOnHangup replaces tokens from the configuration file on SIGHUP.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, path string,
	h *agent.Handler, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := reloadTokens(path, h); err != nil {
				log.Error("agent: tokens not reloaded", "err", err)
			} else {
				log.Info("agent: tokens reloaded")
			}
		}
	}
}

// reloadTokens reads the configuration again and replaces each
// workspace's tokens, in the file's order. Nothing changes unless the
// whole file is valid; an error from the agent stops at the workspace it
// names, leaving the ones before it updated.
func reloadTokens(path string, h *agent.Handler) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	for i, wc := range cfg.Workspaces {
		hashes, err := wc.hashes(fmt.Sprintf("workspaces[%d]", i))
		if err != nil {
			return err
		}
		if err := h.SetTokens(wc.ID, hashes); err != nil {
			return fmt.Errorf("workspaces[%d]: %w (a new workspace needs a restart)", i, err)
		}
	}
	return nil
}
