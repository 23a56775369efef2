package athena

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// Result files are CSV as Athena writes them (RFC 4180): a header row of the column names, then one line a
// row, every value quoted ("" inside a value doubled), NULL as an empty unquoted field, lines ended by \n.

// csvWriter writes result rows.
type csvWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: bufio.NewWriterSize(w, 64<<10)} }

// write writes one row; nil values are NULL.
func (c *csvWriter) write(row []*string) error {
	b := c.buf[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		if v == nil {
			continue
		}
		b = append(b, '"')
		s := *v
		for {
			j := strings.IndexByte(s, '"')
			if j < 0 {
				b = append(b, s...)
				break
			}
			b = append(b, s[:j+1]...)
			b = append(b, '"')
			s = s[j+1:]
		}
		b = append(b, '"')
	}
	b = append(b, '\n')
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

func (c *csvWriter) flush() error { return c.w.Flush() }

// errBadCSV is a result file that is not CSV as seclake writes it.
var errBadCSV = errors.New("athena: malformed result file")

// csvReader reads result rows back, counting the bytes it consumed so that a page can start where the last
// ended.
type csvReader struct {
	r    *bufio.Reader
	read int64
}

func newCSVReader(r io.Reader) *csvReader { return &csvReader{r: bufio.NewReaderSize(r, 64<<10)} }

func (c *csvReader) byte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.read++
	}
	return b, err
}

// next returns the next row (nil values for unquoted empty fields), or io.EOF after the last.
func (c *csvReader) next() ([]*string, error) {
	if _, err := c.r.Peek(1); err != nil {
		return nil, err
	}
	var row []*string
	var sb strings.Builder
	for {
		b, err := c.byte()
		if err == io.EOF { // the last line has no \n: the row ends here
			return append(row, nil), nil
		}
		if err != nil {
			return nil, err
		}
		switch b {
		case ',':
			row = append(row, nil)
			continue
		case '\n':
			return append(row, nil), nil
		case '\r':
			continue
		case '"':
		default:
			return nil, errBadCSV
		}
		sb.Reset()
		if err := c.quoted(&sb); err != nil {
			return nil, err
		}
		v := sb.String()
		row = append(row, &v)
		b, err = c.byte()
		if err == io.EOF || err == nil && b == '\n' {
			return row, nil
		}
		if b == '\r' {
			if b, err = c.byte(); err == io.EOF || err == nil && b == '\n' {
				return row, nil
			}
		}
		if err != nil {
			return nil, err
		}
		if b != ',' {
			return nil, errBadCSV
		}
		if p, err := c.r.Peek(1); err == io.EOF || err == nil && (p[0] == '\n' || p[0] == '\r') {
			row = append(row, nil) // a trailing NULL
			if err == nil {
				if p[0] == '\r' {
					_, _ = c.byte()
				}
				if _, err := c.byte(); err != nil {
					return nil, err
				}
			}
			return row, nil
		}
	}
}

// quoted reads a quoted value after its opening quote, up to and including its closing quote.
func (c *csvReader) quoted(sb *strings.Builder) error {
	for {
		b, err := c.byte()
		if err != nil {
			return errBadCSV
		}
		if b != '"' {
			sb.WriteByte(b)
			continue
		}
		p, err := c.r.Peek(1)
		if err != nil || p[0] != '"' {
			return nil
		}
		_, _ = c.byte()
		sb.WriteByte('"')
	}
}
