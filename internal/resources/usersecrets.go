package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/mojin/charsim/api/v1alpha1"
)

// AnnotationSecretsHash on a pod template fingerprints the versions of the
// user-supplied Secrets its containers read. Pods take a Secret's value at
// start only, so a changed Secret must change the template to roll them.
const AnnotationSecretsHash = "charsim.mojin.dev/secrets-hash"

// SecretVersions are the resourceVersions of the user-supplied Secrets a
// simulation references, by Secret name. A name missing from the map is a
// Secret that does not exist (yet); creating it later changes the hash too,
// which restarts pods that were waiting for it.
type SecretVersions map[string]string

// UserSecretNames lists every Secret the spec references, sorted and without
// duplicates. They belong to the user: the operator reads only their
// metadata, never their values.
func UserSecretNames(sim *v1alpha1.CharacterSimulation) []string {
	spec := sim.Spec
	var refs []*v1alpha1.SecretKeyRef
	if ext := spec.Postgres.External; ext != nil {
		refs = append(refs, &ext.URLSecretRef)
	}
	if ext := spec.Qdrant.External; ext != nil && spec.Qdrant.ModeOrInferred() == v1alpha1.QdrantExternal {
		refs = append(refs, &ext.URLSecretRef, ext.APIKeySecretRef)
	}
	if ext := spec.Redis.External; ext != nil && spec.Redis.Mode == v1alpha1.RedisExternal {
		refs = append(refs, &ext.URLSecretRef)
	}
	if openai := spec.MCPServer.Embedding.OpenAI; openai != nil && spec.MCPServer.Embedding.Provider == v1alpha1.EmbeddingOpenAI {
		refs = append(refs, openai.APIKeySecretRef)
	}
	refs = append(refs, spec.MCPServer.AuthTokenSecretRef)
	if bot := spec.DiscordBot; bot != nil {
		refs = append(refs, &bot.TokenSecretRef, bot.LLM.APIKeySecretRef)
	}
	var names []string
	for _, ref := range refs {
		if ref != nil {
			names = append(names, ref.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// secretsHash fingerprints the user Secrets the containers and volumes read,
// by name and version. It is empty when they read none, so pods that only
// use the (immutable) generated Secrets carry no annotation.
func secretsHash(sim *v1alpha1.CharacterSimulation, p podParams) string {
	user := UserSecretNames(sim)
	var read []string
	for _, c := range p.containers {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != nil {
				read = append(read, *e.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
	for _, v := range p.volumes {
		if v.Secret != nil && v.Secret.SecretName != nil {
			read = append(read, *v.Secret.SecretName)
		}
	}
	read = slices.DeleteFunc(read, func(name string) bool { return !slices.Contains(user, name) })
	if len(read) == 0 {
		return ""
	}
	slices.Sort(read)
	h := sha256.New()
	for _, name := range slices.Compact(read) {
		// NUL cannot occur in a Secret name or a resourceVersion, so the
		// encoding is unambiguous.
		h.Write([]byte(name + "\x00" + p.secretVersions[name] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
