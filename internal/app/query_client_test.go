package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func sp(s string) *string { return &s }

// TestQueryOutputs: the table aligns columns (NULL shown, long values cut, newlines flattened), CSV leaves NULL
// empty, JSON lines keep column order and null.
func TestQueryOutputs(t *testing.T) {
	cols := []string{"user", "n", "note"}
	rows := [][]*string{{sp("alice"), sp("12"), nil}, {sp("bob"), sp("3"), sp(strings.Repeat("é", 70) + "\nx")}}

	var b bytes.Buffer
	tr := &tableRows{w: &b}
	require.NoError(t, tr.header(cols))
	require.NoError(t, tr.rows(rows))
	require.NoError(t, tr.close())
	lines := strings.Split(b.String(), "\n")
	require.Equal(t, "user  | n  | note", lines[0])
	require.Equal(t, "----- | -- | "+strings.Repeat("-", 60), lines[1])
	require.Equal(t, "alice | 12 | NULL", lines[2])
	require.Equal(t, "bob   | 3  | "+strings.Repeat("é", 59)+"…", lines[3])
	require.Equal(t, "(2 rows)", lines[4])

	b.Reset()
	cr := &csvRows{w: csv.NewWriter(&b)}
	require.NoError(t, cr.header(cols))
	require.NoError(t, cr.rows(rows[:1]))
	require.NoError(t, cr.close())
	require.Equal(t, "user,n,note\nalice,12,\n", b.String())

	b.Reset()
	jr := &jsonRows{enc: json.NewEncoder(&b)}
	require.NoError(t, jr.header(cols))
	require.NoError(t, jr.rows(rows[:1]))
	require.Equal(t, `{"user":"alice","n":"12","note":null}`+"\n", b.String())
}
