package iam

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// TagEntity adds or replaces tags of a user or role (TagUser, TagRole).
func (s *Service) TagEntity(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string, tags []actor.Tag) error {
	if err := validateTags(tags, "tags"); err != nil {
		return err
	}
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, "iam:Tag"+titleKind(kind), requestTagContext(tags))
		if err != nil {
			return err
		}
		merged := mergeTags(e.tags(), tags)
		if len(merged) > MaxTags {
			return limitExceeded("The number of tags has reached the maximum limit.")
		}
		e.setTags(merged)
		return e.save(tx)
	})
	return wrapDomain(err, "tag "+string(kind))
}

// UntagEntity removes tags from a user or role (UntagUser, UntagRole).
func (s *Service) UntagEntity(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string, keys []string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		var pc policy.Context
		pc.Set("aws:TagKeys", keys...)
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, "iam:Untag"+titleKind(kind), pc)
		if err != nil {
			return err
		}
		e.setTags(removeTags(e.tags(), keys))
		return e.save(tx)
	})
	return wrapDomain(err, "untag "+string(kind))
}

// EntityTags returns the tags of a user or role (ListUserTags, ListRoleTags).
func (s *Service) EntityTags(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string) ([]actor.Tag, error) {
	var out []actor.Tag
	err := s.store.View(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, "iam:List"+titleKind(kind)+"Tags", policy.Context{})
		if err != nil {
			return err
		}
		out = e.tags()
		return nil
	})
	return out, wrapDomain(err, "list "+string(kind)+" tags")
}
