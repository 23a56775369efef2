package sqs

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"slices"

	"github.com/seclake/seclake/internal/api"
)

// op is an operation served over JSON 1.0, and over the Query protocol when the request is a Query one (the
// edge sets Form): the same input struct decodes both (`query:` tags name the Query parameters), and the
// same output encodes both (`xml:` tags and the map types below give the Query form).
func op[In, Out any](name, action string, readOnly bool, fn func(ctx context.Context, c *api.Call, in *In) (*Out, error)) *api.Op {
	j := api.JSON(name, action, readOnly, fn)
	q := api.Query(name, action, readOnly, fn)
	serveJSON := j.Serve
	j.Serve = func(ctx context.Context, c *api.Call) (any, error) {
		if c.Form != nil {
			return q.Serve(ctx, c)
		}
		return serveJSON(ctx, c)
	}
	return j
}

// attrMap is a map of strings: a JSON object, and in Query responses one element per entry, named by the
// field's xml tag, holding Name and Value.
type attrMap map[string]string

// MarshalXML writes the map as flattened Name/Value entries, sorted by name.
func (m attrMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedNames(m) {
		if err := e.EncodeElement(struct{ Name, Value string }{k, m[k]}, start); err != nil {
			return err
		}
	}
	return nil
}

// tagMap is a map of tags: Key/Value entries in Query responses.
type tagMap map[string]string

// MarshalXML writes the map as flattened Key/Value entries, sorted by key.
func (m tagMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedNames(m) {
		if err := e.EncodeElement(struct{ Key, Value string }{k, m[k]}, start); err != nil {
			return err
		}
	}
	return nil
}

// msgAttrMap is a message's attributes: Name/Value entries in Query responses, binary values in base64.
type msgAttrMap map[string]attributeValue

// MarshalXML writes the map as flattened Name/Value entries, sorted by name.
func (m msgAttrMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedNames(m) {
		v := m[k]
		if v.BinaryValue != nil {
			v.BinaryText = base64.StdEncoding.EncodeToString(v.BinaryValue)
		}
		type value struct {
			StringValue string `xml:",omitempty"`
			BinaryValue string `xml:",omitempty"`
			DataType    string
		}
		entry := struct {
			Name  string
			Value value
		}{k, value{v.StringValue, v.BinaryText, v.DataType}}
		if err := e.EncodeElement(entry, start); err != nil {
			return err
		}
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
