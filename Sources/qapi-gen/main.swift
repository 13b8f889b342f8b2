QAPIGen.main()
