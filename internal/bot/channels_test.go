package bot

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
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

	// Updates of one channel at once all land: none reads a cast another
	// is about to replace.
	const joins = 8
	var wg sync.WaitGroup
	for i := range joins {
		wg.Go(func() {
			_, err := store.Update(ctx, "c3", func(cur scene, ok bool) (scene, error) {
				cur.Cast = append(cur.Cast, activeCharacter{ID: fmt.Sprintf("id-%d", i), Name: fmt.Sprintf("C%d", i)})
				return cur, nil
			})
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got, ok, err := store.Get(ctx, "c3")
	if err != nil || !ok || len(got.Cast) != joins {
		t.Fatalf("c3 after %d concurrent joins: %+v, %v, %v", joins, got, ok, err)
	}
	for i := range joins {
		if got.index(fmt.Sprintf("id-%d", i)) < 0 {
			t.Errorf("join %d was lost: %+v", i, got.Cast)
		}
	}

	// An error of the change aborts it: nothing is written.
	refused := errors.New("refused")
	if _, err := store.Update(ctx, "c3", func(scene, bool) (scene, error) { return scene{}, refused }); !errors.Is(err, refused) {
		t.Errorf("Update with a failing change: %v, want its error", err)
	}
	if again, _, _ := store.Get(ctx, "c3"); !reflect.DeepEqual(again, got) {
		t.Errorf("c3 after a refused update: %+v, want it unchanged", again)
	}
	// Emptying through Update removes the scene.
	if _, err := store.Update(ctx, "c3", func(scene, bool) (scene, error) { return scene{}, nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.Get(ctx, "c3"); err != nil || ok {
		t.Errorf("emptied c3: found %v, %v", ok, err)
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
