// Package slogfields handles orders and logs what happened.
package slogfields

import (
	"errors"
	"log/slog"
	"time"
)

// Order is one customer order.
type Order struct {
	ID    string
	Items []string
}

// Handler processes orders. Logger receives one record per order.
type Handler struct {
	Logger *slog.Logger
}

// Handle processes o and logs the outcome: level INFO, message "order handled",
// with the attributes order_id, items (count) and duration_ms; a failed order
// logs level ERROR, message "order failed", with order_id and error.
func (h *Handler) Handle(o Order) error {
	start := time.Now()
	if len(o.Items) == 0 {
		err := errors.New("order has no items")
		h.Logger.Error("order failed", "order_id", o.ID, "error", err)
		return err
	}
	h.Logger.Info("order handled",
		slog.String("order_id", o.ID),
		slog.Int("items", len(o.Items)),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
	return nil
}
