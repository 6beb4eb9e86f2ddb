// Package bounds checks the shape of a document from outside the bot — a
// feed, a CAP alert, a council's JSON or XML answer — while streaming
// through it, before any parser builds it in memory. A body limit alone
// does not bound memory: five megabytes of "<x/>" are 650,000 elements,
// each a map entry or a struct in the parser's tree. Counting elements (or
// JSON tokens), nesting and the bytes of each field as the tokens go by
// costs a few kilobytes whatever the document holds, and a document over a
// limit is refused before it is parsed.
package bounds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// ErrTooComplex means a document went over a limit.
var ErrTooComplex = errors.New("document over the parsing limits")

// Limits on a document. Zero means the default.
type Limits struct {
	MaxDepth      int // nesting of elements, objects and arrays
	MaxElements   int // XML elements, or JSON values
	MaxFieldBytes int // text of one element, or one JSON string
}

// Defaults: generous for any real feed, alert or answer (a 500-item feed
// holds about 10,000 elements), small enough that a parser's tree of the
// largest document allowed stays within a few tens of megabytes.
const (
	DefaultMaxDepth      = 64
	DefaultMaxElements   = 20000
	DefaultMaxFieldBytes = 256 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = DefaultMaxFieldBytes
	}
	return l
}

// XML checks an XML document; each, when not nil, sees every start
// element (to count items, say) and may refuse the document. A document
// that is not well-formed is left to the parser to refuse: only its size
// is judged here.
func (l Limits) XML(body []byte, each func(xml.StartElement) error) error {
	l = l.withDefaults()
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	depth, elements, field := 0, 0, 0
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth, elements, field = depth+1, elements+1, 0
			switch {
			case depth > l.MaxDepth:
				return fmt.Errorf("%w: elements nested more than %d deep", ErrTooComplex, l.MaxDepth)
			case elements > l.MaxElements:
				return fmt.Errorf("%w: more than %d elements", ErrTooComplex, l.MaxElements)
			}
			if each != nil {
				if err := each(t); err != nil {
					return err
				}
			}
		case xml.EndElement:
			depth, field = max(depth-1, 0), 0
		case xml.CharData:
			if field += len(t); field > l.MaxFieldBytes {
				return fmt.Errorf("%w: a field longer than %d bytes", ErrTooComplex, l.MaxFieldBytes)
			}
		}
	}
}

// JSON checks a JSON document. A document that is not valid JSON is left
// to the parser to refuse.
func (l Limits) JSON(body []byte) error {
	l = l.withDefaults()
	dec := json.NewDecoder(bytes.NewReader(body))
	depth, values := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return nil
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
				values++
				if depth > l.MaxDepth {
					return fmt.Errorf("%w: nested more than %d deep", ErrTooComplex, l.MaxDepth)
				}
			} else {
				depth--
			}
		case string:
			values++
			if len(t) > l.MaxFieldBytes {
				return fmt.Errorf("%w: a string longer than %d bytes", ErrTooComplex, l.MaxFieldBytes)
			}
		default:
			values++
		}
		if values > l.MaxElements {
			return fmt.Errorf("%w: more than %d values", ErrTooComplex, l.MaxElements)
		}
	}
}
