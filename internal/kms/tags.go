package kms

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// checkTags validates tags given to CreateKey or TagResource.
func checkTags(tags []Tag) error {
	var v validation
	seen := map[string]bool{}
	for i, t := range tags {
		v.length("tags."+strconv.Itoa(i+1)+".member.tagKey", t.TagKey, 1, 128, true)
		v.length("tags."+strconv.Itoa(i+1)+".member.tagValue", t.TagValue, 0, 256, false)
		if seen[t.TagKey] {
			return errTag("Tag keys must be unique: %s appears more than once.", t.TagKey)
		}
		seen[t.TagKey] = true
	}
	if err := v.err(); err != nil {
		return err
	}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return errTag("Tag key %s is reserved: tag keys beginning with aws: are reserved for AWS use.", t.TagKey)
		}
	}
	if len(tags) > maxTags {
		return errLimit("A key can have at most %d tags.", maxTags)
	}
	return nil
}

func setRequestTags(pc *policy.Context, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		pc.Set("aws:RequestTag/"+t.TagKey, t.TagValue)
		keys = append(keys, t.TagKey)
	}
	pc.Set("aws:TagKeys", keys...)
}

// TagResource adds tags to a key, replacing the values of keys it already has.
func (s *Service) TagResource(ctx context.Context, c *actor.Caller, keyID string, tags []Tag) error {
	if tags == nil {
		return errValidation("tags", "", "Member must not be null")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:TagResource", sameAccountOnly: true,
		set: func(pc *policy.Context) { setRequestTags(pc, tags) }})
	if err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if r.State == StatePendingDeletion {
			return errPendingDeletion(r.arn())
		}
		for _, t := range tags {
			if i := slices.IndexFunc(r.Tags, func(x Tag) bool { return x.TagKey == t.TagKey }); i >= 0 {
				r.Tags[i].TagValue = t.TagValue
			} else {
				r.Tags = append(r.Tags, t)
			}
		}
		if len(r.Tags) > maxTags {
			return errLimit("A key can have at most %d tags; %s would have %d.", maxTags, r.arn(), len(r.Tags))
		}
		return nil
	})
	return err
}

// UntagResource removes tags from a key.
func (s *Service) UntagResource(ctx context.Context, c *actor.Caller, keyID string, tagKeys []string) error {
	if tagKeys == nil {
		return errValidation("tagKeys", "", "Member must not be null")
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:UntagResource", sameAccountOnly: true,
		set: func(pc *policy.Context) { pc.Set("aws:TagKeys", tagKeys...) }})
	if err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if r.State == StatePendingDeletion {
			return errPendingDeletion(r.arn())
		}
		r.Tags = slices.DeleteFunc(r.Tags, func(t Tag) bool { return slices.Contains(tagKeys, t.TagKey) })
		return nil
	})
	return err
}

// ListResourceTags lists a key's tags in key order.
func (s *Service) ListResourceTags(ctx context.Context, c *actor.Caller, keyID string, limit int, marker string) (*Page[Tag], error) {
	limit, err := pageLimit(limit, 50)
	if err != nil {
		return nil, err
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:ListResourceTags", sameAccountOnly: true})
	if err != nil {
		return nil, err
	}
	tags := slices.Clone(e.rec.Tags)
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.TagKey, b.TagKey) })
	return paginate(tags, func(t Tag) string { return t.TagKey }, limit, marker)
}
