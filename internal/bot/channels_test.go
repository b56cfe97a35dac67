package bot

import "testing"

// testChannelsContract is what every store of active characters must do.
func testChannelsContract(t *testing.T, store channelCharacters) {
	ctx := t.Context()
	if _, ok, err := store.Get(ctx, "c1"); err != nil || ok {
		t.Fatalf("unset channel: found %v, %v", ok, err)
	}
	aria, borin := activeCharacter{ID: "id-aria", Name: "Aria"}, activeCharacter{ID: "id-borin", Name: "Borin"}
	if err := store.Set(ctx, "c1", aria); err != nil {
		t.Fatal(err)
	}
	if err := store.Set(ctx, "c2", borin); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := store.Get(ctx, "c1"); err != nil || !ok || got != aria {
		t.Errorf("c1: %+v %v %v, want Aria", got, ok, err)
	}
	if err := store.Set(ctx, "c1", borin); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := store.Get(ctx, "c1"); got != borin {
		t.Errorf("c1 after a new choice: %+v, want Borin", got)
	}
	if got, _, _ := store.Get(ctx, "c2"); got != borin {
		t.Errorf("c2: %+v, want Borin", got)
	}
}

func TestMemoryChannels(t *testing.T) { testChannelsContract(t, newMemoryChannels()) }

func TestRedisChannels(t *testing.T) {
	testChannelsContract(t, &redisChannels{client: testRedis(t), prefix: uniquePrefix(t)})
}
