package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Tag is a resource tag.
type Tag struct {
	Key, Value string
}

func getTags(tx meta.Tx, arn string) ([]Tag, error) {
	b, err := tx.Get(tableTags, arn)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tags []Tag
	return tags, json.Unmarshal(b, &tags)
}

// putTags merges tags into arn's tags.
func putTags(tx meta.Tx, arn string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	old, err := getTags(tx, arn)
	if err != nil {
		return err
	}
	m := map[string]string{}
	for _, t := range append(old, tags...) {
		m[t.Key] = t.Value
	}
	if len(m) > 50 {
		return validation("A resource can have at most 50 tags.")
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return putJSON(tx, tableTags, arn, out)
}

// taggable checks that arn names one of the caller's buses or rules, and that it exists.
func (s *Service) taggable(tx meta.Tx, c *actor.Caller, arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "events" || parts[4] != c.Account {
		return notFound("Resource %s does not exist.", arn)
	}
	account, region, res := parts[4], parts[3], parts[5]
	var err error
	switch {
	case strings.HasPrefix(res, "event-bus/"):
		_, err = getBus(tx, account, region, strings.TrimPrefix(res, "event-bus/"))
	case strings.HasPrefix(res, "rule/"):
		name := strings.TrimPrefix(res, "rule/")
		bus := DefaultBus
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			bus, name = name[:i], name[i+1:]
		}
		_, err = getRule(tx, account, region, bus, name)
	default:
		return notFound("Resource %s does not exist.", arn)
	}
	return err
}

// TagResource adds tags to a bus or rule.
func (s *Service) TagResource(ctx context.Context, c *actor.Caller, arn string, tags []Tag) error {
	if err := s.check(ctx, c, "events:TagResource", arn, "", nil); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := s.taggable(tx, c, arn); err != nil {
			return err
		}
		return putTags(tx, arn, tags)
	})
}

// UntagResource removes tags from a bus or rule.
func (s *Service) UntagResource(ctx context.Context, c *actor.Caller, arn string, keys []string) error {
	if err := s.check(ctx, c, "events:UntagResource", arn, "", nil); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := s.taggable(tx, c, arn); err != nil {
			return err
		}
		old, err := getTags(tx, arn)
		if err != nil {
			return err
		}
		kept := old[:0]
		for _, t := range old {
			if !contains(keys, t.Key) {
				kept = append(kept, t)
			}
		}
		return putJSON(tx, tableTags, arn, kept)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ListTagsForResource returns a bus's or rule's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c *actor.Caller, arn string) ([]Tag, error) {
	if err := s.check(ctx, c, "events:ListTagsForResource", arn, "", nil); err != nil {
		return nil, err
	}
	var tags []Tag
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		if err := s.taggable(tx, c, arn); err != nil {
			return err
		}
		var err error
		tags, err = getTags(tx, arn)
		return err
	})
	return tags, err
}
