package awsproto

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// EncodeEC2 encodes the response of an EC2 operation: <OpResponse xmlns="ns"><requestId>…</requestId> and
// result's fields (EC2's own XML, with lists as <item> elements, as the wire structs' tags say).
func EncodeEC2(op, ns string, result any, requestID string) ([]byte, error) {
	name := op + "Response"
	var body []byte
	if result != nil {
		start := xml.StartElement{Name: xml.Name{Local: name}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
		var buf bytes.Buffer
		if err := xml.NewEncoder(&buf).EncodeElement(result, start); err != nil {
			return nil, fmt.Errorf("encode %s response: %w", op, err)
		}
		body = buf.Bytes()
	} else {
		body = []byte(`<` + name + ` xmlns="` + string(appendEscaped(nil, ns)) + `"></` + name + `>`)
	}
	i := bytes.IndexByte(body, '>')
	if i < 0 || body[i-1] == '/' {
		return nil, fmt.Errorf("encode %s response: unexpected element %q", op, body)
	}
	out := make([]byte, 0, len(xml.Header)+len(body)+64)
	out = append(out, xml.Header...)
	out = append(out, body[:i+1]...)
	out = appendElem(out, "requestId", requestID)
	return append(out, body[i+1:]...), nil
}
