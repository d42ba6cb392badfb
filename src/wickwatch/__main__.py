from wickwatch.cli import main

main()
