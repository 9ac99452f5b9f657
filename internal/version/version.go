// Package version holds the engine version stamped on every report.
package version

// Engine is the version of the comparison engine. It changes whenever a
// change could alter a report built from the same input.
const Engine = "driftexact-go/0.1.0"
