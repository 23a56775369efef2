package schema

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultCompilesOCSF110(t *testing.T) {
	s := Default()
	require.Equal(t, "1.1.0", s.Version)
	na, ok := s.ClassByUID(4001)
	require.True(t, ok)
	require.Equal(t, "network_activity", na.Name)
	require.Equal(t, "Network Activity", na.Caption)
	require.Equal(t, 4, na.Category.UID)
	require.Contains(t, na.Profiles, "security_control")

	act := na.Attributes["activity_id"]
	require.Equal(t, Required, act.Requirement)
	require.Equal(t, "activity_name", act.Sibling)
	c, ok := act.Enum.Caption(5)
	require.True(t, ok)
	require.Equal(t, "Refuse", c)

	src := na.Attributes["src_endpoint"]
	require.Equal(t, s.Objects["network_endpoint"], src.Object)
	port := src.Object.Attributes["port"]
	require.Equal(t, "port_t", port.Type.Name)
	require.Equal(t, Integer, port.Type.Kind)
	require.True(t, port.Type.HasRange)
	require.EqualValues(t, 65535, port.Type.Max)
	require.Equal(t, "datetime", na.Attributes["time_dt"].Profile)
	require.True(t, na.Attributes["unmapped"].Any)
	require.True(t, na.Attributes["observables"].Array)

	// uuid_t's pattern is not anchored in the schema; compiled, it matches whole values only.
	uuid := s.Types["uuid_t"].Regex
	require.True(t, uuid.MatchString("0f8fad5b-d9cb-469f-a165-70867728950e"))
	require.False(t, uuid.MatchString("x0f8fad5b-d9cb-469f-a165-70867728950e"))

	require.Len(t, s.SortedClasses(), 49) // 43 core classes and 6 of the Windows extension
	require.Equal(t, 1001, s.SortedClasses()[0].UID)
	http := s.Objects["http_request"].Attributes["http_method"]
	require.Contains(t, http.Enum.Values, "GET")
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(embedded()); err != nil {
			b.Fatal(err)
		}
	}
}
