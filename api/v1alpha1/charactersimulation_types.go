package v1alpha1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CharacterSimulationSpec is the desired stack: the data stores, the MCP server
// and (optionally) the Discord bot.
// +kubebuilder:validation:XValidation:rule="!has(self.restore) || (has(oldSelf.restore) && self.restore.backupName == oldSelf.restore.backupName)",message="spec.restore is set when the simulation is created and cannot be added or changed later (it may be removed)"
type CharacterSimulationSpec struct {
	// Postgres holds the timeline and character data. Managed by default.
	// +kubebuilder:default={}
	// +optional
	Postgres PostgresSpec `json:"postgres"`

	// Qdrant holds the vector memory. Managed by default; with mode Disabled
	// the vectors live in PostgreSQL instead.
	// +kubebuilder:default={}
	// +optional
	Qdrant QdrantSpec `json:"qdrant"`

	// Redis caches recent conversation context and rate-limits the bot.
	// +kubebuilder:default={mode:Managed}
	// +optional
	Redis RedisSpec `json:"redis"`

	// MCPServer serves the characters' tools to any MCP client.
	// +kubebuilder:default={embedding:{provider:builtin}}
	// +optional
	MCPServer MCPServerSpec `json:"mcpServer"`

	// DiscordBot puts the characters in Discord. Without it only the MCP server runs.
	// +optional
	DiscordBot *DiscordBotSpec `json:"discordBot,omitempty"`

	// Suspend scales every workload to zero and keeps all data.
	// +kubebuilder:default=false
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Cards sets how character cards are imported, by the MCP server (its
	// tools and the console's upload) and the Discord bot alike.
	// +kubebuilder:default={}
	// +optional
	Cards CardsSpec `json:"cards"`

	// Backup snapshots the managed stores' volumes on a schedule.
	// +optional
	Backup *BackupSpec `json:"backup,omitempty"`

	// Restore creates the managed stores' volumes from a backup's snapshots
	// before the stores first start. Set only at creation; it may be removed.
	// +optional
	Restore *RestoreSpec `json:"restore,omitempty"`
}

// PodScheduling places a component's pods.
type PodScheduling struct {
	// NodeSelector constrains the pods to nodes with these labels.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations let the pods schedule onto tainted nodes.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Affinity is the pods' scheduling affinity.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
}

// StorageSpec is a managed store's persistent volume.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.storageClassName) || (has(self.storageClassName) && self.storageClassName == oldSelf.storageClassName)",message="storageClassName is immutable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.size) || !has(self.size) || quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0",message="size may grow but not shrink"
type StorageSpec struct {
	// Size of the volume, between 1Gi and 16Ti. Each store has its own default.
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).compareTo(quantity('1Gi')) >= 0 && quantity(string(self)).compareTo(quantity('16Ti')) <= 0",message="size must be a quantity between 1Gi and 16Ti"
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`

	// StorageClassName of the volume; the cluster default when empty. Immutable.
	// +kubebuilder:validation:MinLength=1
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`
}

// PostgresSpec is either managed (a StatefulSet with a volume) or external.
// +kubebuilder:validation:XValidation:rule="!(has(self.storage) && has(self.external))",message="postgres.storage and postgres.external are mutually exclusive: a managed database has storage, an external one a URL"
type PostgresSpec struct {
	// Image of the managed PostgreSQL server.
	// +kubebuilder:default="docker.io/library/postgres:17.6"
	// +optional
	Image string `json:"image,omitempty"`

	// Storage of the managed server (default size 10Gi).
	// +optional
	Storage *StorageSpec `json:"storage,omitempty"`

	// External uses an existing PostgreSQL instead of a managed one.
	// +optional
	External *ExternalPostgres `json:"external,omitempty"`

	// Resources of the managed server.
	// +kubebuilder:default={requests:{cpu:"100m",memory:"256Mi"},limits:{memory:"1Gi"}}
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	PodScheduling `json:",inline"`
}

// ExternalPostgres points at an existing PostgreSQL.
type ExternalPostgres struct {
	// URLSecretRef selects a Secret key holding a postgres:// URL with credentials.
	// +required
	URLSecretRef SecretKeyRef `json:"urlSecretRef"`
}

// QdrantMode says who runs Qdrant, or that there is none.
// +kubebuilder:validation:Enum=Managed;External;Disabled
type QdrantMode string

// Qdrant modes.
const (
	// QdrantManaged runs Qdrant as a StatefulSet with a volume.
	QdrantManaged QdrantMode = "Managed"
	// QdrantExternal uses an existing Qdrant given by spec.qdrant.external.
	QdrantExternal QdrantMode = "External"
	// QdrantDisabled runs no Qdrant: the MCP server keeps the vectors in
	// PostgreSQL (its embedded vector store), with an in-process index on
	// every replica that follows the database's change log.
	QdrantDisabled QdrantMode = "Disabled"
)

// QdrantSpec is managed (a StatefulSet with a volume), external or disabled,
// like RedisSpec.
//
// Unlike redis.mode, qdrant.mode has no API default, because it came after
// specs that say "external" by setting spec.qdrant.external alone. A default
// of Managed would be applied to those stored objects too (the API server
// defaults on every read), turning them into the contradiction
// "mode: Managed with external" that the rules below refuse. So an unset
// mode is inferred instead (see QdrantSpec.ModeOrInferred): External when
// external is set, otherwise Managed, which is what such specs meant before
// mode existed, and both "qdrant: {}" and "qdrant: {external: ...}" stay
// valid. A mode that is set must agree with the other fields.
// +kubebuilder:validation:XValidation:rule="!(has(self.storage) && has(self.external))",message="qdrant.storage and qdrant.external are mutually exclusive: a managed Qdrant has storage, an external one a URL"
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || self.mode != 'External' || has(self.external)",message="qdrant.external is required when qdrant.mode is External"
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || self.mode == 'External' || !has(self.external)",message="qdrant.external is only allowed when qdrant.mode is External (or unset)"
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || self.mode == 'Managed' || !has(self.storage)",message="qdrant.storage is only allowed when qdrant.mode is Managed (or unset)"
type QdrantSpec struct {
	// Mode is Managed, External or Disabled. When unset it is External if
	// external is set, and Managed otherwise. Disabled runs no Qdrant: the
	// MCP server keeps the vectors in PostgreSQL.
	// +optional
	Mode QdrantMode `json:"mode,omitempty"`

	// Image of the managed Qdrant server. Must run as a non-root user.
	// +kubebuilder:default="docker.io/qdrant/qdrant:v1.17.0-unprivileged"
	// +optional
	Image string `json:"image,omitempty"`

	// Storage of the managed server (default size 20Gi).
	// +optional
	Storage *StorageSpec `json:"storage,omitempty"`

	// External uses an existing Qdrant instead of a managed one.
	// +optional
	External *ExternalQdrant `json:"external,omitempty"`

	// Resources of the managed server.
	// +kubebuilder:default={requests:{cpu:"100m",memory:"256Mi"},limits:{memory:"2Gi"}}
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	PodScheduling `json:",inline"`
}

// ModeOrInferred is the mode the spec means: Mode when set, otherwise
// External when External is set and Managed when not (see QdrantSpec).
func (q *QdrantSpec) ModeOrInferred() QdrantMode {
	switch {
	case q.Mode != "":
		return q.Mode
	case q.External != nil:
		return QdrantExternal
	}
	return QdrantManaged
}

// ExternalQdrant points at an existing Qdrant.
type ExternalQdrant struct {
	// URLSecretRef selects a Secret key holding the Qdrant gRPC URL (e.g. http://qdrant:6334).
	// +required
	URLSecretRef SecretKeyRef `json:"urlSecretRef"`
	// APIKeySecretRef selects a Secret key holding the Qdrant API key.
	// +optional
	APIKeySecretRef *SecretKeyRef `json:"apiKeySecretRef,omitempty"`
	// Collection holds this simulation's vectors. Simulations that share one
	// Qdrant need a collection each: a reindex drops the whole collection,
	// and each embedder has its own dimension. Default:
	// charsim_<namespace>_<name> (dots become underscores).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +optional
	Collection string `json:"collection,omitempty"`
}

// RedisMode says who runs Redis.
// +kubebuilder:validation:Enum=Managed;External;Disabled
type RedisMode string

// Redis modes.
const (
	RedisManaged  RedisMode = "Managed"
	RedisExternal RedisMode = "External"
	RedisDisabled RedisMode = "Disabled"
)

// RedisSpec is managed, external or disabled.
// +kubebuilder:validation:XValidation:rule="self.mode == 'External' ? has(self.external) : !has(self.external)",message="redis.external is required when redis.mode is External and forbidden otherwise"
// +kubebuilder:validation:XValidation:rule="self.mode == 'Managed' || !has(self.storage)",message="redis.storage is only allowed when redis.mode is Managed"
type RedisSpec struct {
	// Mode is Managed, External or Disabled.
	// +kubebuilder:default=Managed
	// +optional
	Mode RedisMode `json:"mode,omitempty"`

	// Image of the managed Redis server.
	// +kubebuilder:default="docker.io/library/redis:8.2"
	// +optional
	Image string `json:"image,omitempty"`

	// Storage of the managed server (default size 1Gi).
	// +optional
	Storage *StorageSpec `json:"storage,omitempty"`

	// External points at an existing Redis when mode is External.
	// +optional
	External *ExternalRedis `json:"external,omitempty"`

	// Resources of the managed server.
	// +kubebuilder:default={requests:{cpu:"50m",memory:"64Mi"},limits:{memory:"256Mi"}}
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	PodScheduling `json:",inline"`
}

// ExternalRedis points at an existing Redis.
type ExternalRedis struct {
	// URLSecretRef selects a Secret key holding a redis:// URL.
	// +required
	URLSecretRef SecretKeyRef `json:"urlSecretRef"`
}

// MCPServerSpec is the MCP server Deployment.
type MCPServerSpec struct {
	// Image of the MCP server; the operator's matching release by default.
	// +optional
	Image string `json:"image,omitempty"`

	// Replicas of the MCP server, 1 to 20.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Embedding chooses how memories are embedded.
	// +kubebuilder:default={provider:builtin}
	// +optional
	Embedding EmbeddingSpec `json:"embedding"`

	// Recall tunes how recall ranks memories (see the README, "How recall
	// ranks"). Unset fields keep the server's defaults.
	// +optional
	Recall *RecallSpec `json:"recall,omitempty"`

	// AuthTokenSecretRef selects a Secret key holding the bearer token clients
	// must send. When empty the operator generates one in <name>-mcp-auth.
	// +optional
	AuthTokenSecretRef *SecretKeyRef `json:"authTokenSecretRef,omitempty"`

	// Resources of the MCP server.
	// +kubebuilder:default={requests:{cpu:"100m",memory:"128Mi"},limits:{memory:"512Mi"}}
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Console is the web console the MCP server serves at /console/, behind
	// the same bearer token (asked once, then a session cookie).
	// +optional
	Console *ConsoleSpec `json:"console,omitempty"`

	PodScheduling `json:",inline"`
}

// CardsSpec holds the limits of character card imports.
type CardsSpec struct {
	// MaxFileSizeMiB is the largest card file imported, in MiB
	// (CARD_MAX_FILE_SIZE); a larger one is refused before it is read.
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1024
	// +optional
	MaxFileSizeMiB int32 `json:"maxFileSizeMiB,omitempty"`
}

// CardMaxFileSize is the CARD_MAX_FILE_SIZE value for the spec: 20MiB when
// unset (an object the API server has not defaulted).
func (s CardsSpec) CardMaxFileSize() string {
	if s.MaxFileSizeMiB <= 0 {
		return "20MiB"
	}
	return fmt.Sprintf("%dMiB", s.MaxFileSizeMiB)
}

// ConsoleSpec turns the web console on or off and can publish it.
// +kubebuilder:validation:XValidation:rule="!has(self.ingress) || !has(self.enabled) || self.enabled",message="console.ingress needs the console enabled"
type ConsoleSpec struct {
	// Enabled serves the console at /console/ (CONSOLE_ENABLED).
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Ingress publishes /console/ (and only that path) through an Ingress.
	// Without it, reach the console with kubectl port-forward to the MCP
	// Service.
	// +optional
	Ingress *ConsoleIngressSpec `json:"ingress,omitempty"`
}

// ConsoleEnabled reports whether the console is served: unless set to false.
func (s *MCPServerSpec) ConsoleEnabled() bool {
	return s.Console == nil || s.Console.Enabled == nil || *s.Console.Enabled
}

// IngressOrNil is the console's Ingress, nil when there is none (also for a
// nil ConsoleSpec).
func (s *ConsoleSpec) IngressOrNil() *ConsoleIngressSpec {
	if s == nil {
		return nil
	}
	return s.Ingress
}

// ConsoleIngressSpec is the console's Ingress. The MCP server's
// NetworkPolicy then admits the Ingress controller's pods, and only them,
// besides its clients.
type ConsoleIngressSpec struct {
	// ClassName is the IngressClass; empty uses the cluster's default class.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ClassName string `json:"className,omitempty"`

	// Host is the console's DNS name, e.g. console.example.org.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	Host string `json:"host"`

	// TLSSecretName is a kubernetes.io/tls Secret for Host; with it the
	// console is served over HTTPS and its session cookie is Secure.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TLSSecretName string `json:"tlsSecretName,omitempty"`

	// ControllerNamespaceSelector selects the namespaces the Ingress
	// controller runs in, which the NetworkPolicy admits. Default:
	// {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}.
	// +optional
	ControllerNamespaceSelector *metav1.LabelSelector `json:"controllerNamespaceSelector,omitempty"`

	// ControllerPodSelector narrows the admitted pods to the controller's
	// own, e.g. {matchLabels: {app.kubernetes.io/name: ingress-nginx}}.
	// +optional
	ControllerPodSelector *metav1.LabelSelector `json:"controllerPodSelector,omitempty"`
}

// RecallSpec tunes the fusion of the lexical (BM25) and the vector ranking.
// Weights are decimal strings, because CRDs carry no floating-point type.
// +kubebuilder:validation:XValidation:rule="!has(self.lexicalWeight) || !has(self.vectorWeight) || double(self.lexicalWeight) + double(self.vectorWeight) > 0.0",message="recall.lexicalWeight and recall.vectorWeight cannot both be 0"
type RecallSpec struct {
	// Fusion is weighted, rrf, lexical (BM25 alone) or vector (vectors
	// alone). Empty: weighted with the builtin embedder, rrf with openai.
	// +kubebuilder:validation:Enum=weighted;rrf;lexical;vector
	// +optional
	Fusion string `json:"fusion,omitempty"`

	// LexicalWeight weighs the BM25 ranking: a decimal ≥ 0 such as "0.8"
	// (default 0.8 with the builtin embedder, 1 with openai).
	// +kubebuilder:validation:Pattern=`^[0-9]{1,6}(\.[0-9]{1,6})?$`
	// +optional
	LexicalWeight string `json:"lexicalWeight,omitempty"`

	// VectorWeight weighs the vector ranking: a decimal ≥ 0 such as "0.2"
	// (default 0.2 with the builtin embedder, 1 with openai).
	// +kubebuilder:validation:Pattern=`^[0-9]{1,6}(\.[0-9]{1,6})?$`
	// +optional
	VectorWeight string `json:"vectorWeight,omitempty"`

	// DateWeight is the share of relevance that goes to the days a query
	// names ("On May 2nd ...", "5月2日", "yesterday"): a decimal from 0 to
	// 1 such as "0.5" (the default: a memory of the named day outranks the
	// others). "0" turns the signal off.
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$`
	// +optional
	DateWeight string `json:"dateWeight,omitempty"`
}

// EmbeddingProvider names an embedder.
// +kubebuilder:validation:Enum=builtin;openai
type EmbeddingProvider string

// Embedding providers.
const (
	EmbeddingBuiltin EmbeddingProvider = "builtin"
	EmbeddingOpenAI  EmbeddingProvider = "openai"
)

// EmbeddingSpec chooses the embedder.
// +kubebuilder:validation:XValidation:rule="self.provider == 'openai' ? has(self.openai) : !has(self.openai)",message="embedding.openai is required when embedding.provider is openai and forbidden otherwise"
type EmbeddingSpec struct {
	// Provider is builtin (offline, deterministic) or openai (any OpenAI-compatible endpoint).
	// +kubebuilder:default=builtin
	// +optional
	Provider EmbeddingProvider `json:"provider,omitempty"`

	// OpenAI configures an OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM).
	// +optional
	OpenAI *OpenAIEmbedding `json:"openai,omitempty"`
}

// OpenAIEmbedding is an OpenAI-compatible embeddings endpoint.
type OpenAIEmbedding struct {
	// BaseURL of the API, e.g. http://ollama:11434/v1.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getHostname() != '' && (url(self).getPort() == '' || (url(self).getPort().size() <= 5 && int(url(self).getPort()) >= 1 && int(url(self).getPort()) <= 65535))",message="must be an http(s) URL with a host, and a port from 1 to 65535 if it has one"
	// +required
	BaseURL string `json:"baseURL"`
	// Model name.
	// +kubebuilder:validation:MinLength=1
	// +required
	Model string `json:"model"`
	// Dimensions of the vectors, 8 to 8192. Checked against the collection at start.
	// +kubebuilder:validation:Minimum=8
	// +kubebuilder:validation:Maximum=8192
	// +required
	Dimensions int32 `json:"dimensions"`
	// APIKeySecretRef selects a Secret key holding the API key.
	// +optional
	APIKeySecretRef *SecretKeyRef `json:"apiKeySecretRef,omitempty"`
	// PodPort is the port the endpoint's pods listen on, when a Service in
	// front of them translates (a vLLM Service on 80 to pods on 8000): a
	// NetworkPolicy matches the pod's port after translation, so egress to
	// the URL's port alone would be dropped. Both ports are then allowed.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	PodPort *int32 `json:"podPort,omitempty"`
}

// DiscordBotSpec is the Discord bot Deployment (always one replica: every
// gateway session of a token receives every event, so a second bot would
// answer everything twice).
type DiscordBotSpec struct {
	// Image of the bot; the operator's matching release by default.
	// +optional
	Image string `json:"image,omitempty"`

	// TokenSecretRef selects a Secret key holding the Discord bot token.
	// +required
	TokenSecretRef SecretKeyRef `json:"tokenSecretRef"`

	// GuildIDs registers slash commands in these guilds; globally when empty.
	// +optional
	GuildIDs []string `json:"guildIDs,omitempty"`

	// LLM is the OpenAI-compatible chat endpoint that writes the replies.
	// +required
	LLM LLMSpec `json:"llm"`

	// AvatarBaseURL is the public URL under which Discord reaches the MCP
	// server's /avatars/{id}.png (AVATAR_BASE_URL), e.g.
	// https://charsim.example.org: the characters' webhook messages show
	// their card avatars. Discord fetches them itself, so the path must be
	// published (an Ingress for /avatars/). Empty: the webhook's default
	// avatar.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getHostname() != ''",message="must be an http(s) URL with a host"
	// +optional
	AvatarBaseURL string `json:"avatarBaseURL,omitempty"`

	// Metrics lets Prometheus scrape the bot's /metrics (port 8080, with
	// /healthz and /readyz). Without it the bot's NetworkPolicy admits no
	// ingress at all.
	// +optional
	Metrics *BotMetricsSpec `json:"metrics,omitempty"`

	// Resources of the bot.
	// +kubebuilder:default={requests:{cpu:"50m",memory:"64Mi"},limits:{memory:"256Mi"}}
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	PodScheduling `json:",inline"`
}

// BotMetricsSpec names who may scrape the bot's metrics.
type BotMetricsSpec struct {
	// NamespaceSelector selects the namespaces the scrapers run in, e.g.
	// {matchLabels: {kubernetes.io/metadata.name: monitoring}}; {} selects all.
	// +required
	NamespaceSelector metav1.LabelSelector `json:"namespaceSelector"`
	// PodSelector narrows the scrapers to these pods of those namespaces.
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
}

// LLMSpec is an OpenAI-compatible chat completions endpoint.
type LLMSpec struct {
	// BaseURL of the API, e.g. http://ollama:11434/v1.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getHostname() != '' && (url(self).getPort() == '' || (url(self).getPort().size() <= 5 && int(url(self).getPort()) >= 1 && int(url(self).getPort()) <= 65535))",message="must be an http(s) URL with a host, and a port from 1 to 65535 if it has one"
	// +required
	BaseURL string `json:"baseURL"`
	// Model name.
	// +kubebuilder:validation:MinLength=1
	// +required
	Model string `json:"model"`
	// APIKeySecretRef selects a Secret key holding the API key.
	// +optional
	APIKeySecretRef *SecretKeyRef `json:"apiKeySecretRef,omitempty"`
	// PodPort is the port the endpoint's pods listen on, when a Service in
	// front of them translates (a vLLM Service on 80 to pods on 8000): a
	// NetworkPolicy matches the pod's port after translation, so egress to
	// the URL's port alone would be dropped. Both ports are then allowed.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	PodPort *int32 `json:"podPort,omitempty"`
}

// SecretKeyRef selects one key of a Secret in the simulation's namespace.
type SecretKeyRef struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// Key within the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Key string `json:"key"`
}

// Phase summarises a simulation's state.
// +kubebuilder:validation:Enum=Pending;Provisioning;Ready;Degraded;Suspended
type Phase string

// Phases.
const (
	PhasePending      Phase = "Pending"
	PhaseProvisioning Phase = "Provisioning"
	PhaseReady        Phase = "Ready"
	PhaseDegraded     Phase = "Degraded"
	PhaseSuspended    Phase = "Suspended"
)

// Condition types.
const (
	ConditionReady               = "Ready"
	ConditionPostgresReady       = "PostgresReady"
	ConditionQdrantReady         = "QdrantReady"
	ConditionRedisReady          = "RedisReady"
	ConditionMCPServerReady      = "MCPServerReady"
	ConditionDiscordBotReady     = "DiscordBotReady"
	ConditionBackupScheduled     = "BackupScheduled"
	ConditionLastBackupSucceeded = "LastBackupSucceeded"
)

// CharacterSimulationStatus is the observed state.
type CharacterSimulationStatus struct {
	// Phase summarises the conditions.
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready and one per component.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// MCPEndpoint is the in-cluster URL of the MCP server.
	// +optional
	MCPEndpoint string `json:"mcpEndpoint,omitempty"`
	// ConsoleEndpoint is where the web console answers: the Ingress URL
	// when one is set, else the in-cluster URL (reach it with kubectl
	// port-forward). Empty when the console is disabled.
	// +optional
	ConsoleEndpoint string `json:"consoleEndpoint,omitempty"`
	// LastBackup is the most recent SimulationBackup of this simulation.
	// +optional
	LastBackup *LastBackupStatus `json:"lastBackup,omitempty"`
}

// LastBackupStatus describes the most recent backup.
type LastBackupStatus struct {
	// Name of the SimulationBackup.
	Name string `json:"name"`
	// Phase of that backup.
	Phase string `json:"phase"`
	// CompletionTime of that backup.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// CharacterSimulation runs a character-simulation stack: PostgreSQL, Qdrant,
// Redis, the MCP server and the Discord bot.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=charsim;csim,categories=charsim-all
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="MCP",type=string,JSONPath=`.status.mcpEndpoint`
// +kubebuilder:printcolumn:name="Last Backup",type=date,JSONPath=`.status.lastBackup.completionTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 40",message="metadata.name must be at most 40 characters: child object names are derived from it"
type CharacterSimulation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec CharacterSimulationSpec `json:"spec"`
	// +optional
	Status CharacterSimulationStatus `json:"status,omitempty"`
}

// CharacterSimulationList is a list of CharacterSimulations.
//
// +kubebuilder:object:root=true
type CharacterSimulationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CharacterSimulation `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CharacterSimulation{}, &CharacterSimulationList{})
}
