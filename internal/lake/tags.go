package lake

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const tableTags = "lake.tags" // resource ARN → []Tag

func putTags(tx meta.Tx, arn string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	var cur []Tag
	if _, err := getJSON(tx, tableTags, arn, &cur); err != nil {
		return err
	}
	for _, t := range tags {
		i := slices.IndexFunc(cur, func(x Tag) bool { return x.Key == t.Key })
		if i >= 0 {
			cur[i] = t
		} else {
			cur = append(cur, t)
		}
	}
	if len(cur) > 50 {
		return badRequest("A resource can have at most 50 tags; %s would have %d.", arn, len(cur))
	}
	return putJSON(tx, tableTags, arn, cur)
}

// taggable checks that arn names a data lake or a subscriber of the caller's account that exists.
func taggable(tx meta.Tx, c *actor.Caller, arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[4] != c.Account {
		return notFound("Resource", arn, "The resource %s does not exist in account %s.", arn, c.Account)
	}
	region, res := parts[3], parts[5]
	var err error
	switch {
	case res == "data-lake/default":
		_, err = lakeIn(tx, c.Account, region)
	case strings.HasPrefix(res, "subscriber/"):
		_, err = subscriberIn(tx, c.Account, region, strings.TrimPrefix(res, "subscriber/"))
	default:
		err = notFound("Resource", arn, "The resource %s is neither a data lake nor a subscriber.", arn)
	}
	return err
}

// TagResource adds tags to a data lake or subscriber, replacing those with the same keys.
func (s *Service) TagResource(ctx context.Context, c *actor.Caller, arn string, tags []Tag) error {
	if err := s.check(ctx, c, "securitylake:TagResource", arn); err != nil {
		return err
	}
	var f fields
	f.required("resourceArn", arn, reResourceARN)
	f.tags(tags)
	if f.err != nil {
		return f.err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := taggable(tx, c, arn); err != nil {
			return err
		}
		return putTags(tx, arn, tags)
	})
}

// UntagResource removes the tags with the given keys.
func (s *Service) UntagResource(ctx context.Context, c *actor.Caller, arn string, keys []string) error {
	if err := s.check(ctx, c, "securitylake:UntagResource", arn); err != nil {
		return err
	}
	var f fields
	f.required("resourceArn", arn, reResourceARN)
	if len(keys) > 50 {
		f.fail("Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50.")
	}
	if f.err != nil {
		return f.err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := taggable(tx, c, arn); err != nil {
			return err
		}
		var cur []Tag
		if _, err := getJSON(tx, tableTags, arn, &cur); err != nil {
			return err
		}
		cur = slices.DeleteFunc(cur, func(t Tag) bool { return slices.Contains(keys, t.Key) })
		return putJSON(tx, tableTags, arn, cur)
	})
}

// ListTagsForResource returns a data lake's or subscriber's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c *actor.Caller, arn string) ([]Tag, error) {
	if err := s.check(ctx, c, "securitylake:ListTagsForResource", arn); err != nil {
		return nil, err
	}
	var f fields
	f.required("resourceArn", arn, reResourceARN)
	if f.err != nil {
		return nil, f.err
	}
	cur := []Tag{}
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		if err := taggable(tx, c, arn); err != nil {
			return err
		}
		_, err := getJSON(tx, tableTags, arn, &cur)
		return err
	})
	return cur, err
}

// dropTags removes a deleted resource's tags.
func dropTags(tx meta.Tx, arn string) error {
	if err := tx.Delete(tableTags, arn); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return err
	}
	return nil
}
