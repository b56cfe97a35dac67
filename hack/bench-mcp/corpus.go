package main

import (
	"fmt"
	"math/rand/v2"
)

// The corpus is generated, not downloaded: sentences from small vocabularies,
// varied enough that memories get different embeddings and recall has to rank.
var (
	subjects = []string{"Sam", "Mia", "the captain", "Aria", "Bram", "the innkeeper", "a stranger", "the blacksmith",
		"Lena", "the old sailor", "Theo", "the twins", "Iris", "the mayor", "a merchant", "Kai"}
	verbs = []string{"found", "lost", "traded", "repaired", "stole", "painted", "buried", "sold", "hid", "carried",
		"described", "forgot", "promised", "borrowed", "broke", "returned"}
	adjectives = []string{"silver", "ancient", "broken", "red", "tiny", "heavy", "glowing", "cracked", "wooden",
		"secret", "golden", "rusty", "painted", "stolen", "fragile", "enormous"}
	objects = []string{"compass", "lantern", "map", "sword", "letter", "ring", "boat", "key", "book", "flute",
		"necklace", "telescope", "coin", "mirror", "rope", "kettle"}
	places = []string{"harbor", "lighthouse", "market", "forest", "tavern", "chapel", "mill", "bridge", "cave",
		"garden", "library", "docks", "tower", "orchard", "quarry", "bakery"}
	feelings = []string{"laughing", "in tears", "at dawn", "in a hurry", "during the storm", "after the festival",
		"before the duel", "while singing", "without a word", "with great care"}
)

// memoryText is the i-th memory of the corpus; the same i gives the same text.
func memoryText(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 0x6d656d))
	pick := func(words []string) string { return words[r.IntN(len(words))] }
	return fmt.Sprintf("%s %s the %s %s near the %s %s", pick(subjects), pick(verbs), pick(adjectives),
		pick(objects), pick(places), pick(feelings))
}

// queryText is the i-th recall query: a question about a thing and a place.
func queryText(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 0x717279))
	pick := func(words []string) string { return words[r.IntN(len(words))] }
	return fmt.Sprintf("what happened to the %s %s at the %s?", pick(adjectives), pick(objects), pick(places))
}
