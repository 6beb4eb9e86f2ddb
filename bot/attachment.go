package bot

// Attachment is a stored file sent with a message: a photo, video, voice
// note or document the bot forwards. It refers to the file by path, so a
// queued send stays small plain data; the transport reads and uploads the
// file when it sends. With an attachment, OutMessage.Text is ignored and
// Caption is shown under the media. WhatsApp shows no caption on audio, so
// a feature that needs words beside a voice note sends them as a text.
type Attachment struct {
	Kind     MediaKind `json:"kind"`
	Path     string    `json:"path"`
	MimeType string    `json:"mime,omitempty"`
	FileName string    `json:"file_name,omitempty"`
	Caption  string    `json:"caption,omitempty"`
	// Seconds is a voice note's or video's length, when known.
	Seconds int `json:"seconds,omitempty"`
	// Voice marks an audio attachment as a voice note (push to talk).
	Voice bool `json:"voice,omitempty"`
}
