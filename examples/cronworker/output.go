package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/driftexact/driftexact/report"
)

// formatNames lists the formats an output may name.
func formatNames() string {
	names := make([]string, len(report.Formats))
	for i, f := range report.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// writeOutputs renders rep once for each output, in order.
func writeOutputs(outs []Output, rep *report.Report, stdout io.Writer) error {
	for i, o := range outs {
		if err := writeOutput(o, rep, stdout); err != nil {
			return fmt.Errorf("outputs[%d]: %w", i, err)
		}
	}
	return nil
}

// writeOutput renders one output.
func writeOutput(o Output, rep *report.Report, stdout io.Writer) error {
	return writeTo(o.Path, stdout, func(w io.Writer) error {
		return report.Write(w, rep, report.Format(o.Format))
	})
}

// writeTo calls render on stdout for the path "-", and otherwise on a
// temporary file beside path that is then renamed into place, so a reader
// never sees half a file.
func writeTo(path string, stdout io.Writer, render func(io.Writer) error) error {
	if path == "-" {
		return render(stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
