// Package card reads and writes character cards, the TavernAI /
// SillyTavern formats roleplay frontends and character hubs exchange. It
// is pure: it reads from []byte or an io.Reader and returns values; it
// stores nothing and fetches nothing.
//
// # Versions
//
//   - V1: flat TavernAI JSON: name, description, personality, scenario,
//     first_mes, mes_example, plus whatever else the exporter added.
//   - V2 (spec "chara_card_v2"): those fields and creator_notes,
//     system_prompt, post_history_instructions, alternate_greetings,
//     character_book (a lorebook), tags, creator, character_version and
//     extensions, all inside "data".
//   - V3 (spec "chara_card_v3", spec_version "3.0"): V2 plus assets,
//     nickname, creator_notes_multilingual, source, group_only_greetings,
//     creation_date and modification_date (Unix seconds); lorebook entries
//     gain use_regex, and their content may start with @@decorators,
//     which are kept verbatim in Entry.Content.
//
// All three decode into one model, Card, the union of their fields.
//
// # Containers
//
// Decode tells the container by its content, never by a file name:
//
//   - JSON: the card itself.
//   - PNG: a text chunk "ccv3" (V3) or "chara" (V2) holding base64 of the
//     UTF-8 JSON. When both exist ccv3 wins.
//   - CHARX: a zip with card.json at its root; assets[].uri
//     "embeded://path" (the spec's spelling) or "embedded://path" names
//     an entry of the zip. Their bytes come back in Result.Assets, and the
//     main icon's in Result.Avatar.
//
// # Lenience
//
// As the popular apps do, Decode accepts:
//   - a V2 body under ccv3 and a V3 body under chara (the body's spec
//     decides the version, not the chunk); if ccv3 is unusable and chara
//     works, chara is used with a warning;
//   - chunk keywords in any case; tEXt, zTXt and iTXt chunks;
//   - base64 with or without padding, with whitespace or line breaks, in
//     the standard or URL alphabet, or plain JSON in the chunk;
//   - a UTF-8 byte order mark before the JSON;
//   - null for any field (read as absent); a number where a string is
//     expected (read as its text); a fractional or quoted number where an
//     integer is expected (rounded); an entry position 0/1 (before_char /
//     after_char); an entry id that is a number or a string; "enabled"
//     absent (read as true);
//   - V1 exports of Pygmalion (char_name, char_persona, world_scenario,
//     char_greeting, example_dialogue) and SillyTavern's creatorcomment;
//   - a V2/V3 card without "data" (its top-level fields are read), or with
//     an empty data.name (the top-level name is taken); a card without
//     "spec" whose "data" is an object with a name (read as V2);
//   - a spec_version newer than 3.0 (read as 3.0, with a warning), and the
//     unofficial spec "chara_card_v1" (read as V1);
//   - a zip with a self-extracting stub before it; an asset the CHARX
//     lacks (a warning, not an error); PNG assets in
//     "chara-ext-asset_:{path}" chunks referenced as "__asset:{path}".
//
// Decode refuses, with an error wrapping one of the sentinel errors
// (ErrTooLarge, ErrTooManyEntries, ErrUnknownFormat, ErrNoCard,
// ErrBadBase64, ErrBadJSON, ErrNotACard, ErrUnknownSpec, ErrCorruptPNG,
// ErrCorruptZip, ErrUnsafePath) and naming where: a file, chunk, card JSON
// or CHARX entry over its Limits (zip sizes are checked as declared and
// as inflated); a CHARX entry with an absolute path, "..", a drive letter
// or a NUL; a PNG chunk with a bad CRC or cut short, or no IEND; base64
// that is not; JSON that is not a card (not an object, no name, a field of
// the wrong type, a spec string that is not known).
//
// Decode returns a Result only when everything it reads was read without
// error. Callers must decode fully before storing anything, and store
// nothing when Decode fails; then a hostile file leaves no trace.
//
// # Preservation
//
// Import then export loses nothing: the members of the top level, of
// data, of the lorebook, of its entries and of the assets that the model
// has no field for, and every key of every "extensions", are kept as raw
// JSON (Raw) and written back as equal JSON values. Result.Original keeps
// the imported file as it was, for the caller to store.
//
// Three normalisations are not losses of information: an empty array or
// object and an absent one read the same; the V1 fields V2/V3 cards repeat
// at the top level are read from data and written from the model; and the
// lenient readings above write back in the spec's types.
//
// # Export
//
// EncodeJSON writes V3 JSON (spec chara_card_v3, spec_version 3.0) with
// every field, the V2 ones included, so V2 readers read it too.
// EncodePNG writes a PNG with both chunks, chara (the V2 projection) and
// ccv3 (V3), into the avatar given, replacing its old card chunks, or
// into a placeholder drawn from the name.
//
// Two SHOULDs of the V3 spec are not followed on the V2 projection, as
// SillyTavern does not: no "loaded as V2" warning is added to
// creator_notes, and decorators are not stripped, because either would
// change the card a V2-only app writes back.
package card
