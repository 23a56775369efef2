package iam

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
)

var (
	entityNameRE  = regexp.MustCompile(`^[\w+=,.@-]+$`)
	tagPatternRE  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	descriptionRE = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*$`)
)

func itoa(n int) string { return strconv.Itoa(n) }

// validateName checks a user, role or policy name against IAM's pattern and length limit.
func validateName(name, member string, max int) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > max || !entityNameRE.MatchString(name) {
		return constraint(name, member, "must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and "+itoa(max))
	}
	return nil
}

// normalizePath defaults an empty path to "/" and checks it.
func normalizePath(path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if len(path) > 512 || !pathRE.MatchString(path) {
		return "", validationError("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return path, nil
}

// MaxTags is IAM's quota of tags per user, role or policy.
const MaxTags = 50

// validateTags checks tags against the model's patterns and the quota. IAM tag keys are unique without
// regard to case.
func validateTags(tags []actor.Tag, member string) error {
	if len(tags) > MaxTags {
		return limitExceeded("The number of tags has reached the maximum limit.")
	}
	seen := map[string]bool{}
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !tagPatternRE.MatchString(t.Key) {
			return constraint(t.Key, member+"."+itoa(i+1)+".member.key", "must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+ and have length between 1 and 128")
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagPatternRE.MatchString(t.Value) {
			return constraint(t.Value, member+"."+itoa(i+1)+".member.value", "must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]* and have length less than or equal to 256")
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that actor.Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces tags (keys compared without regard to case).
func mergeTags(have, add []actor.Tag) []actor.Tag {
	out := append([]actor.Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i], replaced = t, true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

// removeTags drops the tags with the given keys (compared without regard to case).
func removeTags(have []actor.Tag, keys []string) []actor.Tag {
	out := have[:0:0]
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

func validateDescription(d, member string) error {
	if utf8.RuneCountInString(d) > 1000 || !descriptionRE.MatchString(d) {
		return constraint(d, member, "must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]* and have length less than or equal to 1000")
	}
	return nil
}

// accessDenied is IAM's (and STS's) AccessDenied with the given message.
func accessDenied(msg string) *awserr.Error {
	return awserr.New("AccessDenied", awserr.StatusForbidden, "%s", msg)
}
