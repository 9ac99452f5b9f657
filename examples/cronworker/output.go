package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/driftexact/driftexact/report"
)

// formats are the report formats the worker writes.
var formats = map[string]func(io.Writer, *report.Report) error{
	"text": report.WriteText,
	"json": report.WriteJSON,
}

func formatNames() string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
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
	write := formats[o.Format]
	if o.Path == "-" {
		return write(stdout, rep)
	}
	f, err := os.CreateTemp(filepath.Dir(o.Path), "."+filepath.Base(o.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := write(f, rep); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), o.Path)
}
