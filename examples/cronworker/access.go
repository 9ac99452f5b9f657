package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/csvsrc"
	"github.com/driftexact/driftexact/source"
)

// openCSV opens an access CSV. It reads the header now, so a file whose
// columns cannot be mapped is refused before the check.
func openCSV(c *CSVConfig) (source.Access, func(), error) {
	src, err := csvsrc.OpenAccess(c.Path, &csvsrc.AccessOptions{
		Columns: c.Columns, Exact: c.Exact,
		ActiveValues: c.ActiveValues, InactiveValues: c.InactiveValues,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("access.csv: %w", err)
	}
	return src, func() {}, nil
}

// openAgent builds the agent client. It makes no request.
func openAgent(a *AgentConfig, token string) (source.Access, func(), error) {
	var opts agent.ClientOptions
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("access.agent.ca_file: %w", err)
		}
		opts.RootCAs = x509.NewCertPool()
		if !opts.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, errors.New("access.agent.ca_file: no PEM certificate in the file")
		}
	}
	if a.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(a.CertFile, a.KeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("access.agent.cert_file: %w", err)
		}
		opts.Certificate = &cert
	}
	c, err := agent.Open(a.URL, agent.Token(token), &opts)
	if err != nil {
		return nil, nil, fmt.Errorf("access.agent.url: %w", err)
	}
	return c, func() {}, nil
}
