package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// ServerOptions configure the *http.Server made by [NewServer]. Zero
// durations and sizes mean the defaults stated on each field.
type ServerOptions struct {
	// Addr is the address to listen on, as for [http.Server]. Required
	// unless the caller serves on its own listener.
	Addr string
	// Certificates are the server's TLS certificates. Required unless
	// the handler is Insecure and Addr is a loopback address.
	Certificates []tls.Certificate
	// ClientCAs, when not nil, turns on mutual TLS: every client must
	// present a certificate signed by one of these authorities.
	ClientCAs *x509.CertPool
	// ReadHeaderTimeout bounds reading a request's headers; 5 seconds.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request; 10 seconds.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection may wait for
	// its next request; 60 seconds.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request headers; 8 KiB. Larger headers
	// get 431.
	MaxHeaderBytes int
}

// NewServer returns an *http.Server that serves h with TLS 1.2 or newer,
// bounded headers and timeouts on every phase of a connection. HTTP/2 is
// off: each connection carries one request at a time, which keeps the
// timeouts and limits simple to reason about.
//
// With certificates, start it with ListenAndServeTLS("", "") or
// ServeTLS(listener, "", ""). Without them (an Insecure handler on a
// loopback address only), start it with ListenAndServe or Serve. The
// caller shuts the server down.
//
// The server's write timeout is the handler's WriteTimeout; the handler
// moves it forward with each write of a stream.
func NewServer(h *Handler, opts *ServerOptions) (*http.Server, error) {
	if h == nil {
		return nil, errors.New("agent: nil handler")
	}
	var o ServerOptions
	if opts != nil {
		o = *opts
	}
	if len(o.Certificates) == 0 {
		if !h.opts.Insecure {
			return nil, errors.New("agent: a TLS certificate is required")
		}
		if !isLoopback(o.Addr) {
			return nil, fmt.Errorf("agent: plain HTTP on %q: allowed only on a loopback address", o.Addr)
		}
		if o.ClientCAs != nil {
			return nil, errors.New("agent: client certificates need TLS")
		}
	}
	srv := &http.Server{
		Addr:              o.Addr,
		Handler:           h,
		ReadHeaderTimeout: orDefault(o.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       orDefault(o.ReadTimeout, 10*time.Second),
		WriteTimeout:      h.opts.WriteTimeout,
		IdleTimeout:       orDefault(o.IdleTimeout, 60*time.Second),
		MaxHeaderBytes:    int(orDefault(time.Duration(o.MaxHeaderBytes), 8<<10)),
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	if len(o.Certificates) > 0 {
		srv.TLSConfig = serverTLS(o)
	}
	return srv, nil
}

func serverTLS(o ServerOptions) *tls.Config {
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: o.Certificates,
		NextProtos:   []string{"http/1.1"},
	}
	if o.ClientCAs != nil {
		cfg.ClientCAs = o.ClientCAs
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
