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

// writeOutput renders one output. A file is written to a temporary name
// beside it and renamed into place, so a reader never sees half a report.
func writeOutput(o Output, rep *report.Report, stdout io.Writer) error {
	format := report.Format(o.Format)
	if o.Path == "-" {
		return report.Write(stdout, rep, format)
	}
	f, err := os.CreateTemp(filepath.Dir(o.Path), "."+filepath.Base(o.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := report.Write(f, rep, format); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), o.Path)
}
