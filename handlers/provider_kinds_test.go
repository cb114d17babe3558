package handlers

import (
	"context"
	"slices"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

// TestProviderKindsSimulatedLast: the kind list asks each kind's
// capabilities, so a simulated kind goes last whatever its name, and a
// real kind the console has never heard of goes with the real ones.
func TestProviderKindsSimulatedLast(t *testing.T) {
	reg := testRegistry()
	sim := reg[providers.KindSandbox]
	sim.Kind = "alpha-sim"
	reg["alpha-sim"] = sim
	other := reg[providers.KindGeTui]
	other.Kind = "zeta"
	reg["zeta"] = other
	s := &Server{reg: reg}
	want := []string{"getui", "mxpush", "wecom", "zeta", "alpha-sim", "sandbox"}
	if got := s.providerKinds(); !slices.Equal(got, want) {
		t.Fatalf("kinds %v, want %v", got, want)
	}
}

// TestTypeOptionsFromCapabilities: the composer offers each type to the
// kinds that declare it, so a kind sending WeCom's types is offered them
// without the console knowing its name.
func TestTypeOptionsFromCapabilities(t *testing.T) {
	reg := testRegistry()
	other := reg[providers.KindWeCom]
	other.Kind = "zeta"
	reg["zeta"] = other
	s := &Server{reg: reg}
	got := map[string]string{}
	var order []string
	for _, o := range s.typeOptions(context.Background()) {
		got[o.Value] = o.Kinds
		order = append(order, o.Value)
	}
	if want := []string{"notification", "transmission", "link", "image", "text", "textcard", "markdown", "news"}; !slices.Equal(order, want) {
		t.Errorf("types %v, want %v", order, want)
	}
	if got["notification"] != "getui mxpush sandbox" || got["text"] != "wecom zeta" || got["news"] != "wecom zeta" {
		t.Errorf("kinds per type %v", got)
	}
}

// TestPreviewButtonByType: a text card's button is previewed whatever the
// kind's name; other types have none.
func TestPreviewButtonByType(t *testing.T) {
	ctx := context.Background()
	card := previewOf(ctx, "zeta", providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b"})
	if card.Button == "" {
		t.Error("text card previewed without its button")
	}
	news := previewOf(ctx, "zeta", providers.Message{Type: providers.TypeNews, WeCom: providers.WeComOptions{Articles: []providers.Article{{Title: "a", URL: "https://example.com"}}}})
	if len(news.Articles) != 1 || news.Button != "" || news.Empty {
		t.Errorf("news preview %+v", news)
	}
}
