int notes_count(void);
