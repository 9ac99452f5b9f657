package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/sqlsrc"
)

// Config is the agent's configuration file.
type Config struct {
	// Listen is the address to serve on, such as ":8443".
	Listen string `json:"listen"`
	TLS    struct {
		CertFile string `json:"cert_file"`
		KeyFile  string `json:"key_file"`
		// ClientCAFile, when set, turns on mutual TLS.
		ClientCAFile string `json:"client_ca_file,omitempty"`
	} `json:"tls"`
	// InsecureLoopback serves plain HTTP, allowed only when Listen is a
	// loopback address. For trying the agent out, never for production.
	InsecureLoopback bool `json:"insecure_loopback,omitempty"`
	Database         struct {
		// Driver is sqlite, pgx (PostgreSQL) or mysql (MySQL, MariaDB).
		Driver string `json:"driver"`
		// DSNEnv names the environment variable holding the data source
		// name, so that the password stays out of the file.
		DSNEnv string `json:"dsn_env"`
	} `json:"database"`
	Workspaces []WorkspaceConfig `json:"workspaces"`
	Limits     Limits            `json:"limits"`
}

// WorkspaceConfig is one workspace: its query and who may read it.
type WorkspaceConfig struct {
	ID string `json:"id"`
	// Query is a single SELECT; it runs in a read-only transaction.
	Query string `json:"query"`
	// Args are bound to the query's placeholders, such as a tenant id.
	Args         []any          `json:"args,omitempty"`
	Columns      sqlsrc.Columns `json:"columns"`
	ActiveValues []string       `json:"active_values,omitempty"`
	// TokenSHA256 are the hashes of the tokens allowed to read this
	// workspace, as printed by "agent token" or "agent hash".
	TokenSHA256 []string `json:"token_sha256"`
}

// Limits tune the agent; zero values mean the agent package's defaults.
type Limits struct {
	RatePerSecond     float64  `json:"rate_per_second,omitempty"`
	Burst             int      `json:"burst,omitempty"`
	MaxStreams        int      `json:"max_streams,omitempty"`
	WriteTimeout      Duration `json:"write_timeout,omitzero"`
	MaxDuration       Duration `json:"max_duration,omitzero"`
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitzero"`
	IdleTimeout       Duration `json:"idle_timeout,omitzero"`
	MaxHeaderBytes    int      `json:"max_header_bytes,omitempty"`
}

// Duration reads "30s" or "5m" in JSON.
type Duration time.Duration

// UnmarshalJSON implements [json.Unmarshaler].
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"30s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("want a duration such as \"30s\", got %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON implements [json.Marshaler].
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// drivers are the database/sql driver names the agent registers;
// "postgres" is taken as another name for pgx, as the cron worker takes it.
var drivers = []string{"mysql", "pgx", "postgres", "sqlite"}

// loadConfig reads and checks a configuration file. Errors name the file
// and the field.
func loadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

// fieldError names the field at fault.
func fieldError(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
}

// validate checks everything that can be checked without the database or
// the environment.
func (c *Config) validate() error {
	if err := c.validateServer(); err != nil {
		return err
	}
	if !slices.Contains(drivers, c.Database.Driver) {
		return fieldError("database.driver", "%q is not one of %s",
			c.Database.Driver, strings.Join(drivers, ", "))
	}
	if c.Database.DSNEnv == "" {
		return fieldError("database.dsn_env", "required: the environment variable holding the DSN")
	}
	if len(c.Workspaces) == 0 {
		return fieldError("workspaces", "at least one is required")
	}
	seen := map[string]string{}
	for i, ws := range c.Workspaces {
		if err := ws.validate(fmt.Sprintf("workspaces[%d]", i), seen); err != nil {
			return err
		}
	}
	return c.Limits.validate()
}

func (c *Config) validateServer() error {
	if c.Listen == "" {
		return fieldError("listen", "required, such as \":8443\"")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fieldError("listen", "%v", err)
	}
	if c.InsecureLoopback {
		if !isLoopback(c.Listen) {
			return fieldError("insecure_loopback",
				"allowed only with a loopback listen address, not %q", c.Listen)
		}
		if c.TLS.ClientCAFile != "" {
			return fieldError("tls.client_ca_file", "needs TLS; remove insecure_loopback")
		}
		return nil
	}
	if c.TLS.CertFile == "" {
		return fieldError("tls.cert_file", "required (plain HTTP only with insecure_loopback)")
	}
	if c.TLS.KeyFile == "" {
		return fieldError("tls.key_file", "required")
	}
	return nil
}

func isLoopback(hostport string) bool {
	host, _, _ := net.SplitHostPort(hostport)
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func (ws *WorkspaceConfig) validate(at string, seen map[string]string) error {
	switch {
	case ws.ID == "":
		return fieldError(at+".id", "required")
	case seen[ws.ID] != "":
		return fieldError(at+".id", "%q is also the id of %s", ws.ID, seen[ws.ID])
	case strings.TrimSpace(ws.Query) == "":
		return fieldError(at+".query", "required")
	case ws.Columns.AccountID == "":
		return fieldError(at+".columns.account_id", "required")
	}
	seen[ws.ID] = at
	if _, err := ws.hashes(at); err != nil {
		return err
	}
	return nil
}

// hashes parses the workspace's token hashes.
func (ws *WorkspaceConfig) hashes(at string) ([]agent.TokenHash, error) {
	var out []agent.TokenHash
	for i, s := range ws.TokenSHA256 {
		h, err := agent.ParseTokenHash(s)
		if err != nil {
			return nil, fieldError(fmt.Sprintf("%s.token_sha256[%d]", at, i), "%v", err)
		}
		out = append(out, h)
	}
	return out, nil
}

func (l *Limits) validate() error {
	switch {
	case l.RatePerSecond < 0:
		return fieldError("limits.rate_per_second", "must not be negative")
	case l.Burst < 0:
		return fieldError("limits.burst", "must not be negative")
	case l.MaxStreams < 0:
		return fieldError("limits.max_streams", "must not be negative")
	case l.MaxHeaderBytes < 0:
		return fieldError("limits.max_header_bytes", "must not be negative")
	}
	return nil
}

// dsn reads the data source name from the environment.
func (c *Config) dsn(getenv func(string) string) (string, error) {
	v := getenv(c.Database.DSNEnv)
	if v == "" {
		return "", fieldError("database.dsn_env",
			"the environment variable %q is empty or unset", c.Database.DSNEnv)
	}
	return v, nil
}
