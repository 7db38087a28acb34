import CNNZooCLI
CommandLineEntry.main()
