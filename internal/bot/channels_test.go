package bot

import (
	"reflect"
	"testing"
)

// testChannelsContract is what every store of scenes must do.
func testChannelsContract(t *testing.T, store channelCharacters) {
	ctx := t.Context()
	if _, ok, err := store.Get(ctx, "c1"); err != nil || ok {
		t.Fatalf("unset channel: found %v, %v", ok, err)
	}
	aria := activeCharacter{ID: "id-aria", Name: "Aria"}
	borin := activeCharacter{ID: "id-borin", Name: "Borin", Nickname: "Bo"}
	if err := store.Set(ctx, "c1", scene{Cast: []activeCharacter{aria}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Set(ctx, "c2", scene{Cast: []activeCharacter{borin}}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := store.Get(ctx, "c1"); err != nil || !ok || !reflect.DeepEqual(got.Cast, []activeCharacter{aria}) {
		t.Errorf("c1: %+v %v %v, want Aria", got, ok, err)
	}
	both := scene{Cast: []activeCharacter{borin, aria}}
	if err := store.Set(ctx, "c1", both); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := store.Get(ctx, "c1"); !reflect.DeepEqual(got, both) || got.lead() != borin {
		t.Errorf("c1 after a join: %+v, want Borin (lead, nickname kept) and Aria", got)
	}
	if got, _, _ := store.Get(ctx, "c2"); !reflect.DeepEqual(got.Cast, []activeCharacter{borin}) {
		t.Errorf("c2: %+v, want Borin", got)
	}
	// The last character leaving empties the scene.
	if err := store.Set(ctx, "c2", scene{}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := store.Get(ctx, "c2"); err != nil || ok {
		t.Errorf("emptied c2: %+v, found %v, %v", got, ok, err)
	}
}

func TestMemoryChannels(t *testing.T) { testChannelsContract(t, newMemoryChannels()) }

func TestRedisChannels(t *testing.T) {
	client, prefix := testRedis(t), uniquePrefix(t)
	testChannelsContract(t, &redisChannels{client: client, prefix: prefix})

	// A channel's choice stored by an earlier version reads as a cast of one.
	if err := client.Set(t.Context(), prefix+"old", `{"id":"id-aria","name":"Aria"}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, ok, err := (&redisChannels{client: client, prefix: prefix}).Get(t.Context(), "old")
	if err != nil || !ok || !reflect.DeepEqual(got.Cast, []activeCharacter{{ID: "id-aria", Name: "Aria"}}) {
		t.Errorf("old value: %+v %v %v", got, ok, err)
	}
}
