package handlers

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	provpages "github.com/pushdeck/pushdeck/web/pages/providers"
)

// multilineValue is a multi-line credential from the form: the pasted text
// when there is any (it wins, as the field's help says), else the chosen
// file's contents. A file with another ending than the field accepts, over
// provpages.MaxFileBytes, or that is not text, is refused on the file
// input, and the value is then empty.
func multilineValue(c *gin.Context, f providers.CredentialField, ve *models.ValidationError) string {
	key := "credentials." + f.Name
	if text := strings.TrimSpace(c.PostForm(key)); text != "" {
		return text
	}
	fileKey := provpages.FileInput(f.Name)
	fh, err := c.FormFile(fileKey)
	if err != nil {
		// No file chosen (or the form was not multipart): the value is
		// simply empty, and the required check says so if it must not be.
		if !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
			ve.Add(fileKey, "providers.err_file_read", nil)
		}
		return ""
	}
	if !acceptedEnding(fh.Filename, f.Accept) {
		ve.Add(fileKey, "providers.err_file_ending", map[string]any{"Endings": strings.Join(f.Accept, ", ")})
		return ""
	}
	if fh.Size > provpages.MaxFileBytes {
		ve.Add(fileKey, "providers.err_file_size", map[string]any{"Max": provpages.MaxFileBytes >> 10})
		return ""
	}
	file, err := fh.Open()
	if err != nil {
		ve.Add(fileKey, "providers.err_file_read", nil)
		return ""
	}
	defer func() { _ = file.Close() }() // read-only: nothing is lost on close
	b, err := io.ReadAll(io.LimitReader(file, provpages.MaxFileBytes+1))
	switch {
	case err != nil:
		ve.Add(fileKey, "providers.err_file_read", nil)
		return ""
	case len(b) > provpages.MaxFileBytes:
		ve.Add(fileKey, "providers.err_file_size", map[string]any{"Max": provpages.MaxFileBytes >> 10})
		return ""
	case !utf8.Valid(b):
		ve.Add(fileKey, "providers.err_file_text", nil)
		return ""
	}
	return strings.TrimSpace(string(b))
}

// acceptedEnding reports whether name ends in one of endings (any case);
// a field that declares none takes any file.
func acceptedEnding(name string, endings []string) bool {
	if len(endings) == 0 {
		return true
	}
	lower := strings.ToLower(name)
	for _, e := range endings {
		if strings.HasSuffix(lower, strings.ToLower(e)) {
			return true
		}
	}
	return false
}

// secretSent reports whether the form carries a new value for the secret
// name: typed, or as a chosen file.
func secretSent(c *gin.Context, name string) bool {
	if strings.TrimSpace(c.PostForm("credentials."+name)) != "" {
		return true
	}
	fh, err := c.FormFile(provpages.FileInput(name))
	return err == nil && fh.Size > 0
}
