// Package agent is DriftExact's self-hosted, read-only data agent: a small
// HTTPS server that a team runs inside its own network, next to the
// database, and the [source.Access] client a check uses to read from it.
//
// The server side is a [Handler] built with [NewHandler] from one or more
// [Workspace] values, each an access source (in practice an sqlsrc query
// fixed in the agent's configuration) and the hashes of the tokens
// allowed to read it. [NewServer] wraps it in a configured *http.Server.
// The client side is [Open], which returns a [*Client]. The program a team
// runs is examples/agent.
//
// The agent has no write path: it serves GET and HEAD and nothing else,
// and no part of a request reaches the source. The query, its arguments
// and its column mapping are fixed when the agent starts.
//
// # Protocol
//
// A workspace's grants are at GET /v1/workspaces/{id}/grants (see
// [GrantsPath]). The request takes no parameters; one with a query string
// gets 400. HEAD on the same path checks the token and reads nothing.
// GET and HEAD on /healthz ([HealthPath]) answer {"status":"ready"} (200)
// or {"status":"not ready"} (503) with no token and no data.
//
// A 200 answer is newline-delimited JSON ([ContentType]), one object per
// line, each with a "type":
//
//	{"type":"begin","version":1,"workspace":"acme","unavailable":["seats"]}
//	{"type":"grant","account_id":"a1","plan":"pro","seats":3,"active":true}
//	{"type":"record_error","record":"a2","field":"expires","error":"cannot read \"soon\" as a time"}
//	{"type":"end","grants":1,"record_errors":1,"sha256":"9f86d0…"}
//
// The begin record carries the protocol version ([ProtocolVersion]), the
// workspace (a client refuses a stream of any other than the one its URL
// names, with [ErrWrongWorkspace]) and the grant fields the source lacks
// altogether. Grant fields follow
// [source.Grant]; empty strings, a nil seat count, false and the zero
// expiry are left out. The end record, the trailer, counts the grant and
// record_error lines and holds the SHA-256, in hexadecimal, of every byte
// of the stream before the trailer line. Nothing follows the trailer.
//
// If the source fails part way, the agent writes
// {"type":"failure","error":"…"} and ends the stream without a trailer.
// The message says only that the source failed; the detail, which may
// name tables or hosts, goes to the agent's log.
//
// # Record errors
//
// A record the agent's source cannot read (a [*source.RecordError], such
// as an unreadable expiry in one row) is not dropped and does not end the
// stream: it travels as a record_error line with the record's id, the
// field and the reason, and is counted in the trailer. The client yields
// it as a *source.RecordError and goes on, exactly as a local source
// would, so the check reports the record as incomplete.
//
// # Authentication
//
// Every grants request carries Authorization: Bearer <token>. A token
// belongs to exactly one workspace. The agent keeps only SHA-256 hashes of
// tokens ([HashToken], [TokenHash]); it hashes the presented token and
// compares it with every known hash in constant time. A missing,
// malformed or unknown token gets 401; a known token used for another
// workspace, or for a workspace that does not exist, gets 403. Neither
// says more than that. Tokens are long random strings from [NewToken]
// (256 bits), which is why a fast unsalted hash suffices: there is no
// dictionary of likely tokens to try.
//
// Tokens are rotated with [Handler.SetTokens]: a token left out is refused
// from the next request on. Each token has its own rate limit
// (golang.org/x/time/rate); past it, requests get 429 with Retry-After.
// Options.MaxStreams bounds the streams running at once; past it,
// requests get 503.
//
// A [Token] never prints: fmt, slog and encoders all show [redacted], and
// the client's errors never hold it.
//
// # Transport
//
// [NewServer] requires TLS 1.2 or newer, and turns on mutual TLS when
// ServerOptions.ClientCAs is set. Plain HTTP is possible only for tests:
// the handler must be built with Options.Insecure and the server must
// listen on a loopback address; the handler itself also refuses (400) a
// plain request that did not arrive on a loopback address. The server
// bounds header size (431 past it), the time to read headers and
// requests, and idle connections; each write of a stream must finish
// within Options.WriteTimeout, so a client that stops reading is cut off
// and the source's rows and transaction are released. HTTP/2 is off.
//
// The client requires https (or http to a loopback host with
// ClientOptions.Insecure), TLS 1.2 or newer, does not follow redirects,
// and can present a client certificate.
//
// # Errors
//
// A pull that ends without error has been proven whole: the trailer was
// read, its counts and checksum matched, and nothing followed it. Every
// other ending is an error, never a short list: a cut connection, a
// reset, a missing or wrong trailer, a failure record, a line the client
// cannot read, or an agent silent for longer than ClientOptions.IdleTimeout
// all end the sequence with an error wrapping [ErrIncomplete], after the
// grants that did arrive. Refusals wrap [ErrUnauthorized], [ErrForbidden]
// or [ErrRateLimited]. Errors name how many records arrived and why the
// stream is not whole.
package agent
