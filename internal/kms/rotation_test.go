package kms

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAutomaticAndOnDemandRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		md := e.createKey(t, "")
		root := rootOf(acct)
		encrypt := func(text string) []byte {
			enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte(text)})
			require.NoError(t, err)
			return enc.CiphertextBlob
		}
		before := encrypt("before any rotation")

		st, err := e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, &RotationStatus{KeyARN: md.ARN}, st)

		period := 180 // every six months, as the guide's customer requires
		require.NoError(t, e.svc.EnableKeyRotation(ctx, root, md.KeyID, &period))
		st, err = e.svc.GetKeyRotationStatus(ctx, root, md.ARN)
		require.NoError(t, err)
		require.Equal(t, &RotationStatus{KeyARN: md.ARN, KeyRotationEnabled: true, RotationPeriodInDays: 180, NextRotationDate: testTime.Add(180 * 24 * time.Hour)}, st)

		// Nothing is due yet.
		e.clock.Advance(179 * 24 * time.Hour)
		_, err = e.svc.RunDue(ctx)
		require.NoError(t, err)
		p, err := e.svc.ListKeyRotations(ctx, root, md.KeyID, "", 0, "")
		require.NoError(t, err)
		require.Empty(t, p.Items)

		// The automatic rotation happens when its day comes.
		e.clock.Advance(24 * time.Hour)
		next, err := e.svc.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, testTime.Add(360*24*time.Hour), next.UTC())
		afterAuto := encrypt("after the automatic rotation")

		// On demand, between automatic rotations.
		arn, err := e.svc.RotateKeyOnDemand(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, md.ARN, arn)
		afterOnDemand := encrypt("after the on-demand rotation")

		for text, blob := range map[string][]byte{"before any rotation": before, "after the automatic rotation": afterAuto, "after the on-demand rotation": afterOnDemand} {
			dec, err := e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: blob})
			require.NoError(t, err)
			require.Equal(t, text, string(dec.Plaintext))
		}

		p, err = e.svc.ListKeyRotations(ctx, root, md.KeyID, "", 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 2)
		require.Equal(t, RotationAutomatic, p.Items[0].RotationType)
		require.Equal(t, "NON_CURRENT", p.Items[0].KeyMaterialState)
		require.Equal(t, testTime.Add(180*24*time.Hour), p.Items[0].RotationDate)
		require.Equal(t, RotationOnDemand, p.Items[1].RotationType)
		require.Equal(t, "CURRENT", p.Items[1].KeyMaterialState)
		desc, err := e.svc.DescribeKey(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, p.Items[1].KeyMaterialID, desc.CurrentKeyMaterialID)

		all, err := e.svc.ListKeyRotations(ctx, root, md.KeyID, "ALL_KEY_MATERIAL", 1, "")
		require.NoError(t, err)
		require.Len(t, all.Items, 1)
		require.Equal(t, md.CurrentKeyMaterialID, all.Items[0].KeyMaterialID, "the original material comes first")
		require.True(t, all.Truncated())
		rest, err := e.svc.ListKeyRotations(ctx, root, md.KeyID, "ALL_KEY_MATERIAL", 10, all.Next)
		require.NoError(t, err)
		require.Len(t, rest.Items, 2)

		// On-demand rotation does not move the automatic schedule.
		st, err = e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, testTime.Add(360*24*time.Hour), st.NextRotationDate)

		require.NoError(t, e.svc.DisableKeyRotation(ctx, root, md.KeyID))
		st, err = e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.False(t, st.KeyRotationEnabled)
		e.clock.Advance(400 * 24 * time.Hour)
		_, err = e.svc.RunDue(ctx)
		require.NoError(t, err)
		p, err = e.svc.ListKeyRotations(ctx, root, md.KeyID, "", 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 2, "no rotation once disabled")

		// The service events are on the trail.
		var names []string
		for _, r := range e.trail.all() {
			names = append(names, r.EventName)
		}
		require.Contains(t, names, "RotateKey")
	})
}

func TestRotationRules(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.OnDemandRotationLimit = 2 })
	md := e.createKey(t, "")
	root := rootOf(acct)
	for _, bad := range []int{89, 2561} {
		err := e.svc.EnableKeyRotation(ctx, root, md.KeyID, &bad)
		require.Equal(t, "ValidationException", code(t, err))
	}
	require.NoError(t, e.svc.EnableKeyRotation(ctx, root, md.KeyID, nil))
	st, err := e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
	require.NoError(t, err)
	require.Equal(t, 365, st.RotationPeriodInDays)

	for range 2 {
		_, err := e.svc.RotateKeyOnDemand(ctx, root, md.KeyID)
		require.NoError(t, err)
	}
	_, err = e.svc.RotateKeyOnDemand(ctx, root, md.KeyID)
	require.Equal(t, "LimitExceededException", code(t, err))
	require.Equal(t, "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: "+md.ARN, message(t, err))

	// Close to an automatic rotation, on-demand is refused.
	f := newTestEnv(t)
	k := f.createKey(t, "")
	require.NoError(t, f.svc.EnableKeyRotation(ctx, root, k.KeyID, nil))
	f.clock.Advance(365*24*time.Hour - 10*time.Minute)
	_, err = f.svc.RotateKeyOnDemand(ctx, root, k.KeyID)
	require.Equal(t, "ConflictException", code(t, err))

	// A disabled key does not rotate, and cannot have its rotation changed; enabled again, an overdue
	// rotation happens at once.
	require.NoError(t, f.svc.DisableKey(ctx, root, k.KeyID))
	f.clock.Advance(time.Hour)
	_, err = f.svc.RunDue(ctx)
	require.NoError(t, err)
	p, err := f.svc.ListKeyRotations(ctx, root, k.KeyID, "", 0, "")
	require.NoError(t, err)
	require.Empty(t, p.Items)
	require.Equal(t, "DisabledException", code(t, f.svc.DisableKeyRotation(ctx, root, k.KeyID)))
	_, err = f.svc.RotateKeyOnDemand(ctx, root, k.KeyID)
	require.Equal(t, "DisabledException", code(t, err))
	require.NoError(t, f.svc.EnableKey(ctx, root, k.KeyID))
	_, err = f.svc.RunDue(ctx)
	require.NoError(t, err)
	p, err = f.svc.ListKeyRotations(ctx, root, k.KeyID, "", 0, "")
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
}

func TestScheduledDeletion(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		md := e.createKey(t, "")
		root := rootOf(acct)
		require.NoError(t, e.svc.CreateAlias(ctx, root, "alias/doomed", md.KeyID))
		_, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: acct, RetiringPrincipal: acct, Operations: []string{"Decrypt"}})
		require.NoError(t, err)
		require.NoError(t, e.svc.EnableKeyRotation(ctx, root, md.KeyID, nil))
		enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
		require.NoError(t, err)

		for _, bad := range []int{6, 31} {
			_, err := e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, &bad)
			require.Equal(t, "ValidationException", code(t, err))
		}
		window := 7
		sched, err := e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, &window)
		require.NoError(t, err)
		require.Equal(t, &DeletionScheduled{KeyARN: md.ARN, DeletionDate: testTime.Add(7 * 24 * time.Hour), KeyState: StatePendingDeletion, PendingWindowInDays: 7}, sched)
		_, err = e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, nil)
		require.Equal(t, "KMSInvalidStateException", code(t, err))

		// Pending deletion refuses use, with AWS's messages.
		_, err = e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		require.Equal(t, "KMSInvalidStateException", code(t, err))
		require.Equal(t, md.ARN+" is pending deletion.", message(t, err))
		_, err = e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: "alias/doomed"})
		require.Equal(t, "KMSInvalidStateException", code(t, err))
		require.Equal(t, "KMSInvalidStateException", code(t, e.svc.EnableKey(ctx, root, md.KeyID)))
		st, err := e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.False(t, st.KeyRotationEnabled, "rotation reads false while pending deletion")
		desc, err := e.svc.DescribeKey(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, StatePendingDeletion, desc.KeyState)
		require.Equal(t, 7, desc.PendingWindowInDays)

		// Cancelled: the key is Disabled, its rotation status is back.
		arn, err := e.svc.CancelKeyDeletion(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, md.ARN, arn)
		_, err = e.svc.CancelKeyDeletion(ctx, root, md.KeyID)
		require.Equal(t, "KMSInvalidStateException", code(t, err))
		require.Equal(t, md.ARN+" is not pending deletion.", message(t, err))
		desc, err = e.svc.DescribeKey(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.Equal(t, StateDisabled, desc.KeyState)
		st, err = e.svc.GetKeyRotationStatus(ctx, root, md.KeyID)
		require.NoError(t, err)
		require.True(t, st.KeyRotationEnabled)
		e.clock.Advance(8 * 24 * time.Hour)
		_, err = e.svc.RunDue(ctx)
		require.NoError(t, err)
		_, err = e.svc.DescribeKey(ctx, root, md.KeyID)
		require.NoError(t, err, "a cancelled deletion does not happen")

		// Scheduled again, it is gone after its window, with its alias and grants.
		_, err = e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, &window)
		require.NoError(t, err)
		e.clock.Advance(7*24*time.Hour - time.Second)
		_, err = e.svc.RunDue(ctx)
		require.NoError(t, err)
		_, err = e.svc.DescribeKey(ctx, root, md.KeyID)
		require.NoError(t, err, "not before the window is over")
		e.clock.Advance(time.Second)
		_, err = e.svc.RunDue(ctx)
		require.NoError(t, err)
		_, err = e.svc.DescribeKey(ctx, root, md.KeyID)
		require.Equal(t, "NotFoundException", code(t, err))
		_, err = e.svc.DescribeKey(ctx, root, "alias/doomed")
		require.Equal(t, "NotFoundException", code(t, err))
		_, err = e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		require.Equal(t, "AccessDeniedException", code(t, err))
		retirable, err := e.svc.ListRetirableGrants(ctx, root, ListRetirableGrantsRequest{RetiringPrincipal: acct})
		require.NoError(t, err)
		require.Empty(t, retirable.Items)
		keys, err := e.svc.ListKeys(ctx, root, 0, "")
		require.NoError(t, err)
		require.Empty(t, keys.Items)
		next, err := e.svc.RunDue(ctx)
		require.NoError(t, err)
		require.True(t, next.IsZero(), "nothing left to do: %v", next)
	})
}

func TestSchedulerRunsOnTheClock(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	window := 7
	_, err := e.svc.ScheduleKeyDeletion(ctx, rootOf(acct), md.KeyID, &window)
	require.NoError(t, err)
	e.svc.Start()
	defer e.svc.Stop()
	require.Eventually(t, func() bool { return e.clock.Waiters() > 0 }, 5*time.Second, time.Millisecond)
	e.clock.Advance(7 * 24 * time.Hour)
	require.Eventually(t, func() bool {
		_, err := e.svc.DescribeKey(ctx, rootOf(acct), md.KeyID)
		return code(t, err) == "NotFoundException"
	}, 5*time.Second, time.Millisecond)
}
