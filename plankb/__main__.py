from plankb.cli import main

main()
