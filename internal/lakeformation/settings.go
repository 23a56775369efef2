package lakeformation

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Principal is a DataLakePrincipal.
type Principal struct {
	ID string `json:"DataLakePrincipalIdentifier"`
}

// PrincipalPermissions are the permissions of a principal (the default permissions of new databases and tables).
type PrincipalPermissions struct {
	Principal   Principal `json:"Principal"`
	Permissions []string  `json:"Permissions"`
}

// Settings are a catalog's data lake settings.
type Settings struct {
	DataLakeAdmins                   []Principal            `json:"DataLakeAdmins"`
	ReadOnlyAdmins                   []Principal            `json:"ReadOnlyAdmins"`
	CreateDatabaseDefaultPermissions []PrincipalPermissions `json:"CreateDatabaseDefaultPermissions"`
	CreateTableDefaultPermissions    []PrincipalPermissions `json:"CreateTableDefaultPermissions"`
	Parameters                       map[string]string      `json:"Parameters,omitempty"`
	TrustedResourceOwners            []string               `json:"TrustedResourceOwners"`
	AllowExternalDataFiltering       *bool                  `json:"AllowExternalDataFiltering,omitempty"`
	AllowFullTableExternalDataAccess *bool                  `json:"AllowFullTableExternalDataAccess,omitempty"`
	ExternalDataFilteringAllowList   []Principal            `json:"ExternalDataFilteringAllowList,omitempty"`
	AuthorizedSessionTagValueList    []string               `json:"AuthorizedSessionTagValueList,omitempty"`
}

// defaultSettings are a catalog's settings before anyone put any: no administrators, and new databases and tables
// left to IAM (IAM_ALLOWED_PRINCIPALS has ALL), as on a new AWS account.
func defaultSettings() Settings {
	iamOnly := []PrincipalPermissions{{Principal: Principal{ID: IAMAllowedPrincipals}, Permissions: []string{PermAll}}}
	return Settings{DataLakeAdmins: []Principal{}, ReadOnlyAdmins: []Principal{}, CreateDatabaseDefaultPermissions: iamOnly,
		CreateTableDefaultPermissions: iamOnly, Parameters: map[string]string{"CROSS_ACCOUNT_VERSION": "4"}, TrustedResourceOwners: []string{}}
}

func settingsKey(catalog, region string) string { return catalog + "/" + region }

// settings returns a catalog's settings.
func (s *Service) settings(ctx context.Context, catalog, region string) (Settings, error) {
	st := defaultSettings()
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(tableSettings, settingsKey(catalog, region))
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &st)
	})
	return st, err
}

// GetDataLakeSettings returns the settings of a catalog (the caller's, or one it names).
func (s *Service) GetDataLakeSettings(ctx context.Context, c *actor.Caller, catalogID string) (Settings, error) {
	if err := s.check(ctx, c, "lakeformation:GetDataLakeSettings"); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, catalogOf(c, catalogID), s.region(c))
}

// PutDataLakeSettings replaces the settings of the caller's catalog. Only IAM decides who may (AWS's
// AWSLakeFormationDataAdmin policy allows it), which is how the first administrator is named.
func (s *Service) PutDataLakeSettings(ctx context.Context, c *actor.Caller, catalogID string, st Settings) error {
	if err := s.check(ctx, c, "lakeformation:PutDataLakeSettings"); err != nil {
		return err
	}
	catalog := catalogOf(c, catalogID)
	if catalog != c.Account {
		return errDenied("%s may change only the data lake settings of its own account %s, not %s.", c.Who(), c.Account, catalog)
	}
	for _, p := range append(slices.Clone(st.DataLakeAdmins), st.ReadOnlyAdmins...) {
		if principalKind(p.ID) != "iam" || principalAccount(p.ID) != catalog {
			return errInvalid("Invalid principal %s: a data lake administrator is an IAM user or role of account %s.", p.ID, catalog)
		}
	}
	for _, pp := range append(slices.Clone(st.CreateDatabaseDefaultPermissions), st.CreateTableDefaultPermissions...) {
		if principalKind(pp.Principal.ID) == "" {
			return errInvalid("Invalid principal %s in the default permissions.", pp.Principal.ID)
		}
		if err := validPermissions(pp.Permissions, "database"); err != nil {
			return err
		}
	}
	nilToEmpty(&st)
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tableSettings, settingsKey(catalog, s.region(c)), v) })
}

func nilToEmpty(st *Settings) {
	for _, l := range []*[]Principal{&st.DataLakeAdmins, &st.ReadOnlyAdmins} {
		if *l == nil {
			*l = []Principal{}
		}
	}
	for _, l := range []*[]PrincipalPermissions{&st.CreateDatabaseDefaultPermissions, &st.CreateTableDefaultPermissions} {
		if *l == nil {
			*l = []PrincipalPermissions{}
		}
	}
	if st.TrustedResourceOwners == nil {
		st.TrustedResourceOwners = []string{}
	}
}

// isAdmin reports whether c is a data lake administrator of catalog.
func (s *Service) isAdmin(ctx context.Context, c *actor.Caller, catalog, region string) (bool, error) {
	if c.Account != catalog {
		return false, nil
	}
	st, err := s.settings(ctx, catalog, region)
	if err != nil {
		return false, err
	}
	me := principalARN(c)
	return slices.ContainsFunc(st.DataLakeAdmins, func(p Principal) bool { return p.ID == me }), nil
}

// validPermissions checks permissions against what a kind of resource takes.
func validPermissions(perms []string, kind string) error {
	for _, p := range perms {
		if !slices.Contains(permitted[kind], p) {
			return errInvalid("Permission %s is not valid on a %s resource: use one of %v.", p, kind, permitted[kind])
		}
	}
	return nil
}
