// Package schema is the OCSF 1.1.0 schema, the version Security Lake source version 2.0 writes: its categories,
// event classes, objects, attributes with their types and requirement levels, enums with their captions, and
// profiles. It is the compiled schema the OCSF server exports (data/schema-1.1.0.json.gz, Apache-2.0, with the
// LICENSE and NOTICE of the OCSF project beside it), embedded in the binary and compiled on first use (about
// 40 ms; see docs/benchmarks.md).
//
// The schema is read-only once compiled; every value it hands out is shared and must not be changed.
package schema

import (
	"regexp"
	"sort"
	"sync"
)

// Requirement is how strongly OCSF asks for an attribute.
type Requirement uint8

// Requirement levels.
const (
	Optional Requirement = iota
	Recommended
	Required
)

// String returns the requirement as OCSF spells it.
func (r Requirement) String() string {
	switch r {
	case Required:
		return "required"
	case Recommended:
		return "recommended"
	}
	return "optional"
}

// Schema is a compiled OCSF schema.
type Schema struct {
	// Version is the schema version, "1.1.0".
	Version string
	// Categories by name ("network").
	Categories map[string]*Category
	// Classes by name ("network_activity"), including the abstract base_event and the extensions' classes
	// ("win/registry_key_activity").
	Classes map[string]*Class
	// Objects by name ("network_endpoint").
	Objects map[string]*Object
	// Types by name ("ip_t").
	Types map[string]*Type
	// Profiles by name ("cloud", "linux/linux_users").
	Profiles map[string]*Profile

	classByUID map[int]*Class
}

// Category is an OCSF event category.
type Category struct {
	Name, Caption string
	UID           int
}

// Class is an OCSF event class with every attribute it has, inherited ones and those of its profiles included.
type Class struct {
	Name, Caption string
	UID           int
	// Category is nil for base_event.
	Category *Category
	// Profiles are the profiles the class may declare in metadata.profiles.
	Profiles []string
	// Attributes by name.
	Attributes map[string]*Attribute
	// Required lists the required attributes by name.
	Required []*Attribute
	Constraints
	Deprecated bool
}

// Object is an OCSF object with every attribute it has.
type Object struct {
	Name, Caption string
	// Attributes by name.
	Attributes map[string]*Attribute
	// Required lists the required attributes by name.
	Required []*Attribute
	Constraints
	Deprecated bool
}

// Constraints are the rules across an object's or class's attributes.
type Constraints struct {
	// AtLeastOne lists attributes of which at least one must be present.
	AtLeastOne []string
	// JustOne lists attributes of which exactly one must be present.
	JustOne []string
}

// Attribute is one attribute of a class or object.
type Attribute struct {
	Name, Caption string
	// Type is the attribute's scalar type (ip_t, string_t, …); nil when it holds an object.
	Type *Type
	// Object is the object type the attribute holds; nil for scalars. Untyped objects (unmapped,
	// xattributes) have Type nil and Object nil and Any true.
	Object *Object
	// Any is set for attributes of OCSF type "object", which may hold any JSON object.
	Any         bool
	Requirement Requirement
	// Array is set when the attribute holds an array of its type.
	Array bool
	// Enum holds the attribute's enumerated values, nil when it has none.
	Enum *Enum
	// Sibling names the attribute that holds the caption of this _id attribute ("activity_name").
	Sibling string
	// Profile names the profile that adds the attribute; empty for attributes of the class or object itself.
	Profile    string
	Deprecated bool
}

// Enum is the set of values of an enumerated attribute.
type Enum struct {
	// Values by their key as the schema writes it ("1", "GET").
	Values map[string]EnumValue
	// Ints holds the values of integer enums by number.
	Ints map[int64]EnumValue
}

// EnumValue is one value of an enum.
type EnumValue struct {
	Caption string
}

// Caption returns the caption of integer value id, and whether id is one of the enum's values.
func (e *Enum) Caption(id int64) (string, bool) {
	v, ok := e.Ints[id]
	return v.Caption, ok
}

// Kind is the JSON shape of a scalar type.
type Kind uint8

// Kinds of scalar types.
const (
	String Kind = iota
	Integer
	Long
	Float
	Boolean
	JSON
)

// Type is a scalar type: a base type (string_t, integer_t, long_t, float_t, boolean_t, json_t) or a type
// derived from one with a rule (ip_t, port_t, timestamp_t, …).
type Type struct {
	Name, Caption string
	// Kind is the JSON shape of the type's values.
	Kind Kind
	// Regex is the pattern a string value must match, nil when there is none.
	Regex *regexp.Regexp
	// Min and Max bound numeric values when HasRange is set (port_t).
	Min, Max int64
	HasRange bool
}

// Profile is an OCSF profile.
type Profile struct {
	Name, Caption string
}

// ClassByUID returns the class with the given class_uid.
func (s *Schema) ClassByUID(uid int) (*Class, bool) {
	c, ok := s.classByUID[uid]
	return c, ok
}

// SortedClasses returns the event classes, base_event excluded, in class_uid order.
func (s *Schema) SortedClasses() []*Class {
	out := make([]*Class, 0, len(s.Classes))
	for _, c := range s.Classes {
		if c.Category != nil {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

// required returns the required attributes of attrs, by name.
func required(attrs map[string]*Attribute) []*Attribute {
	var out []*Attribute
	for _, n := range Names(attrs) {
		if attrs[n].Requirement == Required {
			out = append(out, attrs[n])
		}
	}
	return out
}

// Names returns the attribute names of attrs in order.
func Names(attrs map[string]*Attribute) []string {
	out := make([]string, 0, len(attrs))
	for n := range attrs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var (
	defaultOnce   sync.Once
	defaultSchema *Schema
)

// Default returns the embedded OCSF 1.1.0 schema, compiling it on first use. It panics if the embedded schema
// does not compile, which its tests rule out.
func Default() *Schema {
	defaultOnce.Do(func() {
		s, err := Compile(embedded())
		if err != nil {
			panic("ocsf schema: " + err.Error())
		}
		defaultSchema = s
	})
	return defaultSchema
}
