package datacatalog

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Properties returns the database's fields as Iceberg namespace properties: comment (the description),
// location (the location URI) and the parameters.
func (d Database) Properties() map[string]string {
	props := maps.Clone(d.Parameters)
	if props == nil {
		props = map[string]string{}
	}
	if d.Description != "" {
		props[propComment] = d.Description
	}
	if d.LocationURI != "" {
		props[propLocation] = d.LocationURI
	}
	return props
}

// databaseFromProperties is the database of namespace properties; seclake's own (seclake.*) are not parameters.
func databaseFromProperties(name string, props map[string]string) Database {
	db := Database{Name: name, Description: props[propComment], LocationURI: props[propLocation],
		Parameters: map[string]string{}}
	for k, v := range props {
		switch {
		case k == propComment || k == propLocation:
		case k == propCreated:
			db.Created, _ = time.Parse(time.RFC3339Nano, v)
		case !strings.HasPrefix(k, "seclake."):
			db.Parameters[k] = v
		}
	}
	return db
}

// PropertiesUpdate is what an update of a database's properties did: the keys removed and set, and those asked
// to be removed that it did not have.
type PropertiesUpdate struct {
	Removed, Updated, Missing []string
}

// UpdateNamespaceProperties removes and sets properties of database name (glue:UpdateDatabase), as the Iceberg
// REST catalog's UpdateNamespaceProperties does.
func (s *Service) UpdateNamespaceProperties(ctx context.Context, c *actor.Caller, sc Scope, name string, removals []string, updates map[string]string) (PropertiesUpdate, error) {
	if err := s.authorize(ctx, c, sc, "glue:UpdateDatabase", name, ""); err != nil {
		return PropertiesUpdate{}, err
	}
	return s.updateProperties(ctx, sc, name, removals, updates)
}

// UpdateDatabase replaces the description, location and parameters of database name (glue:UpdateDatabase).
func (s *Service) UpdateDatabase(ctx context.Context, c *actor.Caller, sc Scope, name string, in Database) error {
	if err := s.authorize(ctx, c, sc, "glue:UpdateDatabase", name, ""); err != nil {
		return err
	}
	if in.Name != "" && in.Name != name {
		return errInvalid("Renaming a database (%s to %s) is not supported.", name, in.Name)
	}
	cur, err := s.database(ctx, sc, name)
	if err != nil {
		return err
	}
	want := in.Properties()
	var removals []string
	for k := range cur.Properties() {
		if _, keep := want[k]; !keep {
			removals = append(removals, k)
		}
	}
	_, err = s.updateProperties(ctx, sc, name, removals, want)
	return err
}

func (s *Service) updateProperties(ctx context.Context, sc Scope, name string, removals []string, updates map[string]string) (PropertiesUpdate, error) {
	for _, k := range append(slices.Collect(maps.Keys(updates)), removals...) {
		if strings.HasPrefix(k, "seclake.") {
			return PropertiesUpdate{}, errInvalid("The property %s is seclake's own.", k)
		}
	}
	db, err := s.database(ctx, sc, name)
	if err != nil {
		return PropertiesUpdate{}, err
	}
	if db.Iceberg {
		l, err := s.lake(ctx, sc)
		if err != nil {
			return PropertiesUpdate{}, err
		}
		removed, updated, missing, err := l.UpdateNamespaceProperties(ctx, name, removals, updates)
		return PropertiesUpdate{Removed: removed, Updated: updated, Missing: missing}, fromTable(err, name, "")
	}
	var res PropertiesUpdate
	err = s.meta.Update(ctx, func(tx meta.Tx) error {
		res = PropertiesUpdate{}
		v, err := tx.Get(databasesTable, dbKey(sc, name))
		if errors.Is(err, meta.ErrNotFound) {
			return errNoDatabase(name)
		}
		var d Database
		if err == nil {
			err = json.Unmarshal(v, &d)
		}
		if err != nil {
			return err
		}
		props := d.Properties()
		for _, k := range removals {
			if _, ok := props[k]; !ok {
				res.Missing = append(res.Missing, k)
				continue
			}
			delete(props, k)
			res.Removed = append(res.Removed, k)
		}
		for k, v := range updates {
			props[k] = v
			res.Updated = append(res.Updated, k)
		}
		nd := databaseFromProperties(name, props)
		nd.Created = d.Created
		if v, err = json.Marshal(nd); err != nil {
			return err
		}
		return tx.Put(databasesTable, dbKey(sc, name), v)
	})
	return res, err
}
