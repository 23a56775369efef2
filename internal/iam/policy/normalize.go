package policy

import "strings"

// Normalized returns the policy as canonical JSON: elements in grammar order (Version, Id, Statement; Sid,
// Effect, Principal, Action, Resource, Condition), every list an array, strings escaped to printable ASCII,
// no white space. It means exactly what the source means; parsing it again gives the same Normalized text.
func (p *Policy) Normalized() string {
	var b strings.Builder
	b.WriteByte('{')
	sep := ""
	if p.Version != "" {
		b.WriteString(`"Version":`)
		writeJSONString(&b, p.Version)
		sep = ","
	}
	if p.ID != "" {
		b.WriteString(sep + `"Id":`)
		writeJSONString(&b, p.ID)
		sep = ","
	}
	b.WriteString(sep + `"Statement":[`)
	for i := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		p.Statements[i].writeJSON(&b)
	}
	b.WriteString("]}")
	return b.String()
}

func (s *Statement) writeJSON(b *strings.Builder) {
	b.WriteByte('{')
	if s.Sid != "" {
		b.WriteString(`"Sid":`)
		writeJSONString(b, s.Sid)
		b.WriteByte(',')
	}
	b.WriteString(`"Effect":`)
	writeJSONString(b, s.Effect.String())
	if s.Principal != nil {
		b.WriteString(`,"Principal":`)
		s.Principal.writeJSON(b)
	}
	if s.NotPrincipal != nil {
		b.WriteString(`,"NotPrincipal":`)
		s.NotPrincipal.writeJSON(b)
	}
	writeList(b, "Action", s.Action)
	writeList(b, "NotAction", s.NotAction)
	writeList(b, "Resource", s.Resource)
	writeList(b, "NotResource", s.NotResource)
	if len(s.Condition) > 0 {
		b.WriteString(`,"Condition":{`)
		for i := range s.Condition {
			c := &s.Condition[i]
			switch {
			case i == 0:
			case c.Operator == s.Condition[i-1].Operator:
				b.WriteByte(',')
			default:
				b.WriteString("},")
			}
			if i == 0 || c.Operator != s.Condition[i-1].Operator {
				writeJSONString(b, c.Operator)
				b.WriteString(":{")
			}
			writeJSONString(b, c.Key)
			b.WriteString(":[")
			for j, v := range c.Values {
				if j > 0 {
					b.WriteByte(',')
				}
				if c.valueKinds[j] == jsonString {
					writeJSONString(b, v)
				} else {
					b.WriteString(v) // a number or boolean literal, as written
				}
			}
			b.WriteByte(']')
		}
		b.WriteString("}}")
	}
	b.WriteByte('}')
}

func (ps *PrincipalSet) writeJSON(b *strings.Builder) {
	if ps.Wildcard {
		b.WriteString(`"*"`)
		return
	}
	b.WriteByte('{')
	for i, e := range ps.Entries {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, e.Type)
		b.WriteByte(':')
		writeArray(b, e.Values)
	}
	b.WriteByte('}')
}

func writeList(b *strings.Builder, name string, values []string) {
	if values == nil {
		return
	}
	b.WriteString(`,"` + name + `":`)
	writeArray(b, values)
}

func writeArray(b *strings.Builder, values []string) {
	b.WriteByte('[')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, v)
	}
	b.WriteByte(']')
}
