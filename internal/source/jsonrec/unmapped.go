package jsonrec

// Unmapped gathers the vendor fields of one event that have no OCSF home, for its unmapped map, as
// source.Flatten writes them: dotted paths, "[]" after arrays, the leaves of an array's elements joined by
// commas. Intern makes strings of the values (a source's string interner); the zero Unmapped needs it set.
type Unmapped struct {
	Intern func([]byte) string
	m      map[string]string
	joins  map[string][]byte
}

// Set sets one value.
func (u *Unmapped) Set(path, v string) {
	if u.m == nil {
		u.m = make(map[string]string, 8)
	}
	u.m[path] = v
}

// Flatten adds the leaves of v under path (nulls, empty objects and empty arrays add nothing).
func (u *Unmapped) Flatten(t *Tree, path string, v Value) {
	switch t.Kind(v) {
	case Null:
	case Object:
		for _, m := range t.Members(v) {
			u.Flatten(t, path+"."+string(m.Key), m.Val)
		}
	case Array:
		for _, m := range t.Members(v) {
			u.Flatten(t, path+"[]", m.Val)
		}
	default:
		if !inArray(path) {
			u.Set(path, u.Intern(t.Raw(v)))
			return
		}
		// Joined when the event is done: joining string by string would take time quadratic in the number
		// of elements.
		if u.joins == nil {
			u.joins = map[string][]byte{}
		}
		j, ok := u.joins[path]
		if ok {
			j = append(j, ',')
		}
		u.joins[path] = append(j, t.Raw(v)...)
	}
}

// Map returns the map of the event (nil when empty) and makes u ready for the next event.
func (u *Unmapped) Map() map[string]string {
	for path, j := range u.joins {
		u.Set(path, u.Intern(j))
	}
	m := u.m
	u.m, u.joins = nil, nil
	return m
}

func inArray(p string) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '[' && p[i+1] == ']' {
			return true
		}
	}
	return false
}
