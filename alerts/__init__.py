"""Rules, evaluation of new articles, alert rendering, delivery channels and the outbox."""
