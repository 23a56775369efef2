package schema

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

//go:embed data/schema-1.1.0.json.gz
var schemaGz []byte

// embedded returns a reader of the embedded schema JSON.
func embedded() io.Reader {
	zr, err := gzip.NewReader(bytes.NewReader(schemaGz))
	if err != nil {
		panic("ocsf schema: embedded data: " + err.Error())
	}
	return zr
}

// The shapes of the exported schema file; only what the compiled schema keeps.
type (
	rawSchema struct {
		Version    string                 `json:"version"`
		Classes    map[string]rawClass    `json:"classes"`
		BaseEvent  rawClass               `json:"base_event"`
		Objects    map[string]rawClass    `json:"objects"`
		Types      map[string]rawType     `json:"types"`
		Profiles   map[string]rawProfile  `json:"profiles"`
		Categories map[string]rawCategory `json:"categories"`
	}
	rawClass struct {
		Name        string                  `json:"name"`
		Caption     string                  `json:"caption"`
		UID         int                     `json:"uid"`
		Category    string                  `json:"category"`
		Profiles    []string                `json:"profiles"`
		Attributes  map[string]rawAttribute `json:"attributes"`
		Constraints rawConstraints          `json:"constraints"`
		Deprecated  json.RawMessage         `json:"deprecated"`
	}
	rawConstraints struct {
		AtLeastOne []string `json:"at_least_one"`
		JustOne    []string `json:"just_one"`
	}
	rawAttribute struct {
		Caption     string                     `json:"caption"`
		Type        string                     `json:"type"`
		ObjectType  string                     `json:"object_type"`
		Requirement string                     `json:"requirement"`
		IsArray     bool                       `json:"is_array"`
		Enum        map[string]json.RawMessage `json:"enum"`
		Sibling     string                     `json:"sibling"`
		Profile     string                     `json:"profile"`
		Deprecated  json.RawMessage            `json:"deprecated"`
	}
	rawType struct {
		Caption string  `json:"caption"`
		Type    string  `json:"type"`
		Regex   string  `json:"regex"`
		Range   []int64 `json:"range"`
	}
	rawProfile struct {
		Name    string `json:"name"`
		Caption string `json:"caption"`
	}
	rawCategory struct {
		Name    string `json:"name"`
		Caption string `json:"caption"`
		UID     int    `json:"uid"`
	}
	rawEnumValue struct {
		Caption string `json:"caption"`
	}
)

// baseKinds maps the base types to the JSON shape of their values.
var baseKinds = map[string]Kind{
	"string_t": String, "integer_t": Integer, "long_t": Long, "float_t": Float, "boolean_t": Boolean, "json_t": JSON,
}

// Compile reads an exported OCSF schema (the JSON the OCSF server serves at /export/schema) and compiles it.
func Compile(r io.Reader) (*Schema, error) {
	var raw rawSchema
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	s := &Schema{
		Version:    raw.Version,
		Categories: map[string]*Category{},
		Classes:    map[string]*Class{},
		Objects:    map[string]*Object{},
		Types:      map[string]*Type{},
		Profiles:   map[string]*Profile{},
		classByUID: map[int]*Class{},
	}
	for name, c := range raw.Categories {
		s.Categories[name] = &Category{Name: name, Caption: c.Caption, UID: c.UID}
	}
	for name, p := range raw.Profiles {
		s.Profiles[name] = &Profile{Name: name, Caption: p.Caption}
	}
	if err := s.compileTypes(raw.Types); err != nil {
		return nil, err
	}
	// Objects first as empty shells, so that attributes can point at any of them, recursive ones included.
	for name, o := range raw.Objects {
		s.Objects[name] = &Object{Name: name, Caption: o.Caption, Deprecated: isSet(o.Deprecated),
			Constraints: Constraints{AtLeastOne: o.Constraints.AtLeastOne, JustOne: o.Constraints.JustOne}}
	}
	for name, o := range raw.Objects {
		attrs, err := s.compileAttributes(o.Attributes)
		if err != nil {
			return nil, fmt.Errorf("object %s: %w", name, err)
		}
		s.Objects[name].Attributes, s.Objects[name].Required = attrs, required(attrs)
	}
	classes := raw.Classes
	raw.BaseEvent.Name = "base_event"
	classes["base_event"] = raw.BaseEvent
	for name, c := range classes {
		cl, err := s.compileClass(name, c)
		if err != nil {
			return nil, err
		}
		s.Classes[name] = cl
		if cl.Category != nil {
			if prev, dup := s.classByUID[cl.UID]; dup {
				return nil, fmt.Errorf("classes %s and %s share uid %d", prev.Name, name, cl.UID)
			}
			s.classByUID[cl.UID] = cl
		}
	}
	return s, nil
}

func (s *Schema) compileTypes(raw map[string]rawType) error {
	for name, t := range raw {
		base := name
		if t.Type != "" {
			base = t.Type
		}
		kind, ok := baseKinds[base]
		if !ok {
			return fmt.Errorf("type %s: unknown base type %q", name, base)
		}
		typ := &Type{Name: name, Caption: t.Caption, Kind: kind}
		if t.Regex != "" {
			re, err := regexp.Compile(anchor(t.Regex))
			if err != nil {
				return fmt.Errorf("type %s: regex: %w", name, err)
			}
			typ.Regex = re
		}
		if len(t.Range) == 2 {
			typ.Min, typ.Max, typ.HasRange = t.Range[0], t.Range[1], true
		}
		s.Types[name] = typ
	}
	return nil
}

// anchor makes a pattern match whole values: some of the schema's patterns (uuid_t) are not anchored.
func anchor(re string) string {
	return "^(?:" + re + ")$"
}

func (s *Schema) compileClass(name string, c rawClass) (*Class, error) {
	cl := &Class{Name: name, Caption: c.Caption, UID: c.UID, Profiles: c.Profiles, Deprecated: isSet(c.Deprecated),
		Constraints: Constraints{AtLeastOne: c.Constraints.AtLeastOne, JustOne: c.Constraints.JustOne}}
	if name != "base_event" {
		cat, ok := s.Categories[c.Category]
		if !ok {
			return nil, fmt.Errorf("class %s: unknown category %q", name, c.Category)
		}
		cl.Category = cat
	}
	attrs, err := s.compileAttributes(c.Attributes)
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", name, err)
	}
	cl.Attributes, cl.Required = attrs, required(attrs)
	return cl, nil
}

func (s *Schema) compileAttributes(raw map[string]rawAttribute) (map[string]*Attribute, error) {
	out := make(map[string]*Attribute, len(raw))
	for name, a := range raw {
		attr := &Attribute{Name: name, Caption: a.Caption, Array: a.IsArray, Sibling: a.Sibling, Profile: a.Profile,
			Deprecated: isSet(a.Deprecated)}
		switch a.Requirement {
		case "required":
			attr.Requirement = Required
		case "recommended":
			attr.Requirement = Recommended
		}
		switch {
		case a.Type == "object":
			attr.Any = true
		case s.Types[a.Type] != nil:
			attr.Type = s.Types[a.Type]
		case s.Objects[a.ObjectType] != nil:
			attr.Object = s.Objects[a.ObjectType]
		default:
			return nil, fmt.Errorf("attribute %s: unknown type %q", name, a.Type)
		}
		if len(a.Enum) > 0 {
			e, err := compileEnum(a.Enum)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			attr.Enum = e
		}
		out[name] = attr
	}
	return out, nil
}

func compileEnum(raw map[string]json.RawMessage) (*Enum, error) {
	e := &Enum{Values: make(map[string]EnumValue, len(raw)), Ints: map[int64]EnumValue{}}
	for key, v := range raw {
		var rv rawEnumValue
		if err := json.Unmarshal(v, &rv); err != nil {
			return nil, fmt.Errorf("enum %s: %w", key, err)
		}
		ev := EnumValue{Caption: rv.Caption}
		e.Values[key] = ev
		if n, err := strconv.ParseInt(key, 10, 64); err == nil {
			e.Ints[n] = ev
		}
	}
	return e, nil
}

// isSet reports whether a JSON value is present and not null.
func isSet(v json.RawMessage) bool {
	return len(v) > 0 && string(v) != "null"
}
