package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/report"
	"github.com/driftexact/driftexact/sqlsrc"
)

// Config is the worker's JSON configuration file. Every field is described
// in the README's cron worker section.
type Config struct {
	Workspace string          `json:"workspace"`
	AsOf      string          `json:"as_of,omitempty"`
	Stripe    *StripeConfig   `json:"stripe"`
	Access    *AccessConfig   `json:"access"`
	Profile   compare.Profile `json:"profile"`
	Outputs   []Output        `json:"outputs"`
	History   *HistoryConfig  `json:"history,omitempty"`
}

// StripeConfig says how to read Stripe.
type StripeConfig struct {
	// KeyEnv names the environment variable holding the restricted key.
	KeyEnv string `json:"key_env"`
	// BaseURL replaces Stripe's API address, for fakes and proxies.
	BaseURL string `json:"base_url,omitempty"`
	// Account is a connected account id (acct_…) to read on behalf of.
	Account string `json:"account,omitempty"`
	// Rate is the request budget per second; 0 means the adapter's
	// default.
	Rate float64 `json:"rate,omitempty"`
	// MaxRetries is how often a request answered 429 or 5xx is sent
	// again; 0 means the adapter's default (8) and -1 turns retries off.
	MaxRetries int `json:"max_retries,omitempty"`
	// AllowSecretKey accepts a full secret key (sk_…) where a restricted
	// key is expected. Leave it false.
	AllowSecretKey bool `json:"allow_secret_key,omitempty"`
}

// AccessConfig names the access source: exactly one of SQL, CSV and
// Agent.
type AccessConfig struct {
	SQL   *SQLConfig   `json:"sql,omitempty"`
	CSV   *CSVConfig   `json:"csv,omitempty"`
	Agent *AgentConfig `json:"agent,omitempty"`
}

// SQLConfig reads access records with one SELECT.
type SQLConfig struct {
	// Driver is sqlite, postgres or mysql.
	Driver string `json:"driver"`
	// DSNEnv names the environment variable holding the DSN, which may
	// carry a password and so is never written in the file.
	DSNEnv       string         `json:"dsn_env"`
	Query        string         `json:"query"`
	Columns      sqlsrc.Columns `json:"columns"`
	ActiveValues []string       `json:"active_values,omitempty"`
	// Args are bound to the query's placeholders, in order.
	Args []string `json:"args,omitempty"`
}

// CSVConfig reads access records from a CSV export.
type CSVConfig struct {
	Path string `json:"path"`
	// Columns name the headers; a field left out is detected by common
	// names unless Exact is set.
	Columns        csvsrc.AccessColumns `json:"columns,omitempty"`
	Exact          bool                 `json:"exact,omitempty"`
	ActiveValues   []string             `json:"active_values,omitempty"`
	InactiveValues []string             `json:"inactive_values,omitempty"`
}

// AgentConfig reads access records from a self-hosted data agent.
type AgentConfig struct {
	// URL is the workspace's grants stream, https://…/v1/workspaces/ID/grants.
	URL string `json:"url"`
	// TokenEnv names the environment variable holding the agent token.
	TokenEnv string `json:"token_env"`
	// CAFile is a PEM file of the authorities the agent's certificate
	// chains to; empty means the system's.
	CAFile string `json:"ca_file,omitempty"`
	// CertFile and KeyFile are a client certificate, for agents that
	// require mutual TLS.
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
}

// HistoryConfig stores every run in a history database, so that each
// invocation says what is new, persisting, resolved or reopened.
type HistoryConfig struct {
	// Driver is sqlite, postgres or mysql.
	Driver string `json:"driver"`
	// DSNEnv names the environment variable holding the DSN.
	DSNEnv string `json:"dsn_env"`
	// Prefix starts the names of the store's tables; empty means the
	// store's default.
	Prefix string `json:"prefix,omitempty"`
	// KeepRuns and KeepFor bound what is kept per workspace; zero keeps
	// everything.
	KeepRuns int              `json:"keep_runs,omitempty"`
	KeepFor  compare.Duration `json:"keep_for,omitempty"`
	// Lifecycle is where the run's lifecycle is written as text: a file,
	// "-" for stdout, or empty for nowhere.
	Lifecycle string `json:"lifecycle,omitempty"`
}

// Output is one rendering of the report.
type Output struct {
	// Format is one of report.Formats: text, json, csv, markdown, html
	// or junit.
	Format string `json:"format"`
	// Path is a file, written whole or not at all, or "-" for stdout.
	Path string `json:"path"`
}

// maxRate is the most requests per second the worker lets Stripe be sent.
const maxRate = 25

// drivers maps the driver names the config accepts to database/sql's.
var drivers = map[string]string{
	"sqlite": "sqlite", "postgres": "pgx", "pgx": "pgx", "mysql": "mysql",
}

// settings is a validated configuration with its secrets resolved.
type settings struct {
	cfg   Config
	asOf  time.Time
	key   string // never logged or printed
	dsn   string // never logged or printed
	token string // the agent token; never logged or printed
	hdsn  string // the history DSN; never logged or printed
}

// loadConfig reads, decodes and validates the file at path and resolves
// the environment variables it names. It does no network I/O. Its errors
// name the field at fault.
func loadConfig(path string, getenv func(string) (string, bool)) (*settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg Config
	if err := decodeStrict(data, &cfg); err != nil {
		return nil, err
	}
	s := &settings{cfg: cfg}
	for _, check := range []func(getenv func(string) (string, bool)) error{
		s.checkTop, s.checkStripe, s.checkAccess, s.checkProfile, s.checkOutputs,
		s.checkHistory,
	} {
		if err := check(getenv); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *settings) checkTop(func(string) (string, bool)) error {
	if strings.TrimSpace(s.cfg.Workspace) == "" {
		return errors.New("workspace: required")
	}
	if s.cfg.AsOf != "" {
		t, err := time.Parse(time.RFC3339, s.cfg.AsOf)
		if err != nil {
			return fmt.Errorf("as_of: %q is not an RFC 3339 time such as 2024-06-15T00:00:00Z",
				s.cfg.AsOf)
		}
		s.asOf = t.UTC()
	}
	return nil
}

func (s *settings) checkStripe(getenv func(string) (string, bool)) error {
	st := s.cfg.Stripe
	if st == nil {
		return errors.New("stripe: required")
	}
	key, err := secretFrom(getenv, "stripe.key_env", st.KeyEnv)
	if err != nil {
		return err
	}
	s.key = key
	if st.BaseURL != "" {
		u, err := url.Parse(st.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("stripe.base_url: %q is not an http or https URL", st.BaseURL)
		}
	}
	if st.Account != "" && !strings.HasPrefix(st.Account, "acct_") {
		return fmt.Errorf("stripe.account: %q is not a connected account id (acct_…)", st.Account)
	}
	if st.Rate < 0 || st.Rate > maxRate {
		return fmt.Errorf("stripe.rate: %v is outside 0 to %d requests per second",
			st.Rate, maxRate)
	}
	if st.MaxRetries < -1 {
		return fmt.Errorf("stripe.max_retries: %d is below -1", st.MaxRetries)
	}
	return nil
}

// secretFrom reads a secret from the environment variable that field
// names. The error names the field and the variable, never the value.
func secretFrom(getenv func(string) (string, bool), field, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%s: required (the name of an environment variable)", field)
	}
	v, ok := getenv(name)
	switch {
	case !ok:
		return "", fmt.Errorf("%s: environment variable %q is not set", field, name)
	case strings.TrimSpace(v) == "":
		return "", fmt.Errorf("%s: environment variable %q is empty", field, name)
	}
	return v, nil
}

func (s *settings) checkAccess(getenv func(string) (string, bool)) error {
	a := s.cfg.Access
	if a == nil {
		return errors.New("access: required, with one of sql, csv and agent")
	}
	switch n := countSet(a.SQL != nil, a.CSV != nil, a.Agent != nil); {
	case n == 0:
		return errors.New("access: give one of sql, csv and agent")
	case n > 1:
		return errors.New("access: give only one of sql, csv and agent")
	case a.CSV != nil:
		return checkCSV(a.CSV)
	case a.Agent != nil:
		return s.checkAgent(getenv)
	}
	q := a.SQL
	dsn, err := dsnFrom(getenv, "access.sql", &q.Driver, q.DSNEnv)
	if err != nil {
		return err
	}
	s.dsn = dsn
	if strings.TrimSpace(q.Query) == "" {
		return errors.New("access.sql.query: required")
	}
	if q.Columns.AccountID == "" {
		return errors.New("access.sql.columns.account_id: required")
	}
	return nil
}

func countSet(set ...bool) int {
	n := 0
	for _, b := range set {
		if b {
			n++
		}
	}
	return n
}

func (s *settings) checkAgent(getenv func(string) (string, bool)) error {
	a := s.cfg.Access.Agent
	if a.URL == "" {
		return errors.New("access.agent.url: required")
	}
	tok, err := secretFrom(getenv, "access.agent.token_env", a.TokenEnv)
	if err != nil {
		return err
	}
	s.token = tok
	if (a.CertFile == "") != (a.KeyFile == "") {
		return errors.New("access.agent: cert_file and key_file go together")
	}
	return nil
}

func checkCSV(c *CSVConfig) error {
	if c.Path == "" {
		return errors.New("access.csv.path: required")
	}
	if _, err := os.Stat(c.Path); err != nil {
		return fmt.Errorf("access.csv.path: %w", err)
	}
	return nil
}

func driverNames() string {
	names := make([]string, 0, len(drivers))
	for n := range drivers {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (s *settings) checkProfile(func(string) (string, bool)) error {
	if err := s.cfg.Profile.Validate(); err != nil {
		return fmt.Errorf("profile.%w", err)
	}
	return nil
}

func (s *settings) checkOutputs(func(string) (string, bool)) error {
	if len(s.cfg.Outputs) == 0 {
		return errors.New("outputs: at least one output is required")
	}
	seen := map[string]int{}
	inputs := s.inputFiles()
	for i, o := range s.cfg.Outputs {
		field := fmt.Sprintf("outputs[%d]", i)
		if !slices.Contains(report.Formats, report.Format(o.Format)) {
			return fmt.Errorf("%s.format: %q is not one of %s", field, o.Format, formatNames())
		}
		if o.Path == "" {
			return fmt.Errorf("%s.path: required (a file, or - for stdout)", field)
		}
		key := pathKey(o.Path)
		if j, dup := seen[key]; dup {
			return fmt.Errorf("%s.path: %q is already written by outputs[%d]", field, o.Path, j)
		}
		if in, ok := inputs[key]; ok && key != "-" {
			return fmt.Errorf("%s.path: %q is the file %s reads", field, o.Path, in)
		}
		seen[key] = i
		if err := checkDir(field+".path", o.Path); err != nil {
			return err
		}
	}
	return nil
}

// inputFiles returns the files the run reads, by [pathKey], with the
// field that names each.
func (s *settings) inputFiles() map[string]string {
	in := map[string]string{}
	a := s.cfg.Access
	switch {
	case a == nil:
	case a.CSV != nil:
		in[pathKey(a.CSV.Path)] = "access.csv.path"
	case a.SQL != nil && a.SQL.Driver == "sqlite":
		in[pathKey(sqliteFile(s.dsn))] = "access.sql.dsn_env"
	}
	return in
}

// pathKey names the file a path refers to, so that two spellings of one
// file ("out.txt", "./out.txt", a symbolic link) compare equal. "-" is
// standard output.
func pathKey(p string) string {
	if p == "-" || p == "" {
		return p
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(dir, filepath.Base(p))
	}
	return filepath.Clean(p)
}

// sqliteFile returns the file name of a SQLite DSN.
func sqliteFile(dsn string) string {
	name := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	return name
}

// parseDSN checks a DSN's syntax without connecting. SQLite takes any
// file name, so its DSNs are not checked here.
func parseDSN(driver, dsn string) error {
	switch driver {
	case "postgres":
		_, err := pgx.ParseConfig(dsn)
		return err
	case "mysql":
		_, err := mysql.ParseDSN(dsn)
		return err
	}
	return nil
}

// dsnFrom checks a driver name and reads and checks the DSN from the
// environment variable that section.dsn_env names. It settles the driver
// on one name per engine: "pgx" becomes "postgres".
func dsnFrom(getenv func(string) (string, bool), section string, drv *string,
	env string) (string, error) {
	if _, ok := drivers[*drv]; !ok {
		return "", fmt.Errorf("%s.driver: %q is not one of %s", section, *drv, driverNames())
	}
	if *drv == "pgx" {
		*drv = "postgres"
	}
	driver := *drv
	dsn, err := secretFrom(getenv, section+".dsn_env", env)
	if err != nil {
		return "", err
	}
	if err := parseDSN(driver, dsn); err != nil {
		// The parser's message may quote the DSN, password and all.
		return "", fmt.Errorf("%s.dsn_env: the DSN in %q is not valid for %s",
			section, env, driver)
	}
	if driver == "sqlite" && section == "access.sql" && !sqliteFileExists(dsn) {
		// Opening would create an empty file and fail on a missing
		// table; access data is only ever read.
		return "", fmt.Errorf("%s.dsn_env: the SQLite file named in %q does not exist",
			section, env)
	}
	return dsn, nil
}

// sqliteFileExists reports whether a SQLite DSN names an existing file, or
// an in-memory database.
func sqliteFileExists(dsn string) bool {
	if strings.Contains(dsn, "mode=memory") {
		return true
	}
	name := sqliteFile(dsn)
	if name == "" || name == ":memory:" {
		return true
	}
	_, err := os.Stat(name)
	return err == nil
}

// prefixPattern is what the history store accepts as a table prefix.
var prefixPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

func (s *settings) checkHistory(getenv func(string) (string, bool)) error {
	h := s.cfg.History
	if h == nil {
		return nil
	}
	dsn, err := dsnFrom(getenv, "history", &h.Driver, h.DSNEnv)
	if err != nil {
		return err
	}
	s.hdsn = dsn
	switch {
	case h.Prefix != "" && !prefixPattern.MatchString(h.Prefix):
		return fmt.Errorf("history.prefix: %q must match %s", h.Prefix, prefixPattern)
	case h.KeepRuns < 0:
		return fmt.Errorf("history.keep_runs: %d is negative", h.KeepRuns)
	case h.KeepFor < 0:
		return errors.New("history.keep_for: must not be negative")
	case h.Lifecycle == "":
		return nil
	}
	for i, o := range s.cfg.Outputs {
		if pathKey(o.Path) == pathKey(h.Lifecycle) {
			return fmt.Errorf("history.lifecycle: %q is already written by outputs[%d]",
				h.Lifecycle, i)
		}
	}
	return checkDir("history.lifecycle", h.Lifecycle)
}

// checkDir checks that the directory a path names exists; "-" is stdout.
func checkDir(field, path string) error {
	if path == "-" {
		return nil
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: directory %q does not exist", field, filepath.Dir(path))
	}
	return nil
}
