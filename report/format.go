package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Format names a way of rendering a report.
type Format string

// The formats. Each renderer writes the same bytes for the same report.
const (
	FormatText     Format = "text"     // for terminals, see [WriteText]
	FormatJSON     Format = "json"     // schema version 1, see [WriteJSON]
	FormatCSV      Format = "csv"      // one finding per row, see [WriteCSV]
	FormatMarkdown Format = "markdown" // for tickets, see [WriteMarkdown]
	FormatHTML     Format = "html"     // one self-contained page, see [WriteHTML]
	FormatJUnit    Format = "junit"    // JUnit XML for CI, see [WriteJUnit]
)

// Formats lists every format, in the order above. Treat it as read-only.
var Formats = []Format{
	FormatText, FormatJSON, FormatCSV, FormatMarkdown, FormatHTML, FormatJUnit,
}

// ParseFormat returns the format named s, ignoring case. It also accepts
// the file extensions "txt", "md" and "xml".
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(s))
	switch f {
	case "txt":
		return FormatText, nil
	case "md":
		return FormatMarkdown, nil
	case "xml":
		return FormatJUnit, nil
	}
	if !slices.Contains(Formats, f) {
		return "", fmt.Errorf("report: unknown format %q (want one of %s)", s, formatNames())
	}
	return f, nil
}

func formatNames() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Ext returns the usual file extension of the format, with its dot, such
// as ".md"; "" for an unknown format.
func (f Format) Ext() string {
	switch f {
	case FormatText:
		return ".txt"
	case FormatJSON:
		return ".json"
	case FormatCSV:
		return ".csv"
	case FormatMarkdown:
		return ".md"
	case FormatHTML:
		return ".html"
	case FormatJUnit:
		return ".xml"
	}
	return ""
}

// ContentType returns the media type of the format, with its charset,
// for mail attachments and HTTP responses; "" for an unknown format.
func (f Format) ContentType() string {
	switch f {
	case FormatText:
		return "text/plain; charset=utf-8"
	case FormatJSON:
		return "application/json"
	case FormatCSV:
		return "text/csv; charset=utf-8; header=present"
	case FormatMarkdown:
		return "text/markdown; charset=utf-8"
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatJUnit:
		return "application/xml"
	}
	return ""
}

// Write renders r to w in format f. It returns the first write error, and
// an error for an unknown format before writing anything. The caller
// closes w.
func Write(w io.Writer, r *Report, f Format) error {
	var render func(io.Writer, *Report) error
	switch f {
	case FormatText:
		render = WriteText
	case FormatJSON:
		render = WriteJSON
	case FormatCSV:
		render = WriteCSV
	case FormatMarkdown:
		render = WriteMarkdown
	case FormatHTML:
		render = WriteHTML
	case FormatJUnit:
		render = WriteJUnit
	default:
		return fmt.Errorf("report: unknown format %q (want one of %s)", f, formatNames())
	}
	return render(w, r)
}
