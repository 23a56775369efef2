package meta

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestLoadMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    []int
		wantErr bool
	}{
		{name: "ok", files: []string{"0002_b.sql", "0001_a.sql", "0003_c.sql"}, want: []int{1, 2, 3}},
		{name: "empty", files: nil, want: nil},
		{name: "gap", files: []string{"0002_b.sql", "0001_a.sql", "0010_c.sql"}, wantErr: true},
		{name: "bad name", files: []string{"0001.sql"}, wantErr: true},
		{name: "not sql", files: []string{"0001_a.txt"}, wantErr: true},
		{name: "starts at 0", files: []string{"0000_a.sql"}, wantErr: true},
		{name: "duplicate", files: []string{"0001_a.sql", "0001_b.sql"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m": &fstest.MapFile{Mode: 0o755 | 1<<31}}
			for _, f := range tc.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("-- " + f)}
			}
			ms, err := LoadMigrations(fsys, "m")
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
				require.Equal(t, "-- "+m.Name, m.SQL)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNewerSchemaError(t *testing.T) {
	err := NewerSchemaError(7, 3)
	require.ErrorIs(t, err, ErrIncompatible)
	require.Contains(t, err.Error(), "schema version 7")
	require.Contains(t, err.Error(), "upgrade seclake")
}
