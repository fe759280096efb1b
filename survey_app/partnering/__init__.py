"""联手兴家: the partnering programme and the honours register (pages under /partnering/)."""
