package agent_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/driftexact/driftexact/agent"
	"github.com/driftexact/driftexact/source"
)

// An agent serving one workspace from an in-memory source, and a client
// reading it. The example uses plain HTTP on loopback (Insecure) so that
// it needs no certificate; a real agent serves TLS, as in the NewServer
// example.
func Example() {
	tok, err := agent.NewToken()
	if err != nil {
		log.Fatal(err)
	}
	h, err := agent.NewHandler([]agent.Workspace{{
		ID: "acme",
		Access: source.NewMemoryAccess(
			source.Grant{AccountID: "acct_1", Plan: "pro", Active: true},
			source.Grant{AccountID: "acct_2", Plan: "basic"},
		),
		Tokens: []agent.TokenHash{agent.HashToken(tok)},
	}}, &agent.Options{Insecure: true})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	c, err := agent.Open(srv.URL+agent.GrantsPath("acme"), tok,
		&agent.ClientOptions{Insecure: true})
	if err != nil {
		log.Fatal(err)
	}
	for g, err := range c.Grants(context.Background()) {
		if err != nil {
			log.Fatal(err) // the stream was not proven whole
		}
		fmt.Println(g.AccountID, g.Plan, g.Active)
	}
	fmt.Println("records:", c.LastPull().Records)
	// Output:
	// acct_1 pro true
	// acct_2 basic false
	// records: 2
}

// A Token never shows its secret when printed or logged.
func ExampleToken() {
	tok := agent.Token("dxa_not-a-real-token-but-it-would-never-print")
	fmt.Println(tok)
	fmt.Printf("%q %#v\n", tok, tok)
	fmt.Println(agent.HashToken(tok))
	// Output:
	// [redacted]
	// [redacted] [redacted]
	// be4f0b6d94c172695abf111d5f8870aaf4131865e507bec6613a7d78466edabc
}

// Serving over TLS with mutual TLS. The hash comes from the agent's
// configuration; the token itself never reaches the agent's files.
func ExampleNewServer() {
	hash, err := agent.ParseTokenHash(
		"9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7")
	if err != nil {
		log.Fatal(err)
	}
	h, err := agent.NewHandler([]agent.Workspace{{
		ID:     "acme",
		Access: source.NewMemoryAccess(), // in practice an sqlsrc.Source
		Tokens: []agent.TokenHash{hash},
	}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair("agent.crt", "agent.key")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := agent.NewServer(h, &agent.ServerOptions{
		Addr:         ":8443",
		Certificates: []tls.Certificate{cert},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(srv.ListenAndServeTLS("", ""))
}
