package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the worker once per test run, as a user would with
// go build, and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH to build the binary with")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cronworker-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cronworker")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// exec runs the built binary with the fixture's environment only.
func (f *fixture) exec(bin string, args ...string) result {
	f.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range f.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		f.t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func TestBinaryExitCodes(t *testing.T) {
	bin := binary(t)

	clean := newFixture(t, stripeSubs()...)
	if r := clean.exec(bin, "-config", clean.writeConfig()); r.code != 0 ||
		!strings.Contains(r.stdout, "no drift found") || r.stderr != "" {
		t.Errorf("clean: exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}

	drift := newFixture(t, append(stripeSubs(),
		stripeSub("sub_4", "cus_4", "active", "price_pro", 1))...)
	drift.insert([]any{"acct_4", "cus_4", "sub_4", "pro", 1, "revoked", nil})
	if r := drift.exec(bin, "-config", drift.writeConfig()); r.code != 1 ||
		!strings.Contains(r.stdout, "paid_without_access") {
		t.Errorf("drift: exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}

	bad := newFixture(t, stripeSubs()...)
	delete(bad.env, "STRIPE_KEY")
	r := bad.exec(bin, "-config", bad.writeConfig())
	bad.assertRefused(r, `stripe.key_env: environment variable "STRIPE_KEY" is not set`)
}
