package eventbus

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// UpdateEventBus changes a bus's description (the default bus's included).
func (s *Service) UpdateEventBus(ctx context.Context, c *actor.Caller, nameOrARN, description string) (*Bus, error) {
	account, region, name, err := s.busRef(c, nameOrARN)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, c, "events:UpdateEventBus", busARN(region, account, name), account, nil); err != nil {
		return nil, err
	}
	var bus *Bus
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if bus, err = getBus(tx, account, region, name); err != nil {
			return err
		}
		bus.Description = description
		return putJSON(tx, tableBuses, key(account, region, name), bus)
	})
	return bus, err
}

// UpdateConnection changes a connection: the authorization fields given replace the stored ones (secrets
// stay sealed); a new AuthorizationType needs its whole authorization.
func (s *Service) UpdateConnection(ctx context.Context, c *actor.Caller, name, description, authType string, auth ConnectionAuth) (*Connection, error) {
	conn, err := s.connectionOp(ctx, c, "events:UpdateConnection", name)
	if err != nil {
		return nil, err
	}
	var out *Connection
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := getConnection(tx, c.Account, conn.Region, name)
		if err != nil {
			return err
		}
		plain, err := s.cfg.Seal.Open(cur.Sealed, connectionAAD(cur.ARN))
		if err != nil {
			return err
		}
		var old ConnectionAuth
		if err := json.Unmarshal(plain, &old); err != nil {
			return err
		}
		merged := auth
		if authType == "" || authType == cur.AuthorizationType {
			authType = cur.AuthorizationType
			merged = overlay(old, auth)
		}
		if err := checkAuth(authType, &merged); err != nil {
			return err
		}
		b, _ := json.Marshal(merged)
		if cur.Sealed, err = s.cfg.Seal.Seal(b, connectionAAD(cur.ARN)); err != nil {
			return err
		}
		if description != "" {
			cur.Description = description
		}
		cur.AuthorizationType, cur.Public, cur.Modified = authType, public(merged), s.cfg.Clock.Now().UTC()
		out = cur
		return putJSON(tx, tableConnections, key(c.Account, cur.Region, name), cur)
	})
	return out, err
}

// overlay returns old with the fields set in upd replaced.
func overlay(old, upd ConnectionAuth) ConnectionAuth {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&old.APIKeyName, upd.APIKeyName)
	set(&old.APIKeyValue, upd.APIKeyValue)
	set(&old.Username, upd.Username)
	set(&old.Password, upd.Password)
	set(&old.AuthorizationEndpoint, upd.AuthorizationEndpoint)
	set(&old.HTTPMethod, upd.HTTPMethod)
	set(&old.ClientID, upd.ClientID)
	set(&old.ClientSecret, upd.ClientSecret)
	if upd.OAuthParameters != nil {
		old.OAuthParameters = upd.OAuthParameters
	}
	if upd.InvocationParameters != nil {
		old.InvocationParameters = upd.InvocationParameters
	}
	return old
}

// UpdateAPIDestination changes an API destination; empty fields keep their values.
func (s *Service) UpdateAPIDestination(ctx context.Context, c *actor.Caller, in APIDestinationInput) (*APIDestination, error) {
	d, err := s.destinationOp(ctx, c, "events:UpdateApiDestination", in.Name)
	if err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if d, err = getDestination(tx, c.Account, d.Region, in.Name); err != nil {
			return err
		}
		if in.ConnectionARN != "" {
			if _, err := connectionByARN(tx, in.ConnectionARN); err != nil {
				return err
			}
			d.ConnectionARN = in.ConnectionARN
		}
		if in.Endpoint != "" {
			if !strings.HasPrefix(in.Endpoint, "https://") && !strings.HasPrefix(in.Endpoint, "http://") {
				return validation("InvocationEndpoint must be an HTTPS URL.")
			}
			d.Endpoint = in.Endpoint
		}
		if in.Method != "" {
			if !validMethod(in.Method) {
				return validation("HttpMethod %q is not valid.", in.Method)
			}
			d.Method = in.Method
		}
		if in.RateLimit != 0 {
			if in.RateLimit < 1 || in.RateLimit > 300 {
				return validation("InvocationRateLimitPerSecond must be between 1 and 300.")
			}
			d.RateLimit = in.RateLimit
		}
		if in.Description != "" {
			d.Description = in.Description
		}
		d.Modified = s.cfg.Clock.Now().UTC()
		return putJSON(tx, tableDests, key(c.Account, d.Region, in.Name), d)
	})
	return d, err
}
