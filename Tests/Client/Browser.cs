using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// Headless Debian Chromium driven by Selenium through /usr/bin/chromedriver, with a fresh profile, and a
/// screenshot at each step into <see cref="ScreenshotFolder"/> so that a failure can be looked at.
/// </summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";

    public static readonly string ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    private readonly string _profile = Path.Combine(Path.GetTempPath(), "orleansbreaker-chromium-" + Guid.NewGuid().ToString("N"));
    private readonly ChromeDriver _driver;
    private readonly Uri _baseAddress;
    private readonly string _prefix;
    private int _shots;

    public Browser(Uri baseAddress, string testName)
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(ChromeDriverPath))
        {
            Assert.Fail($"The browser tests need Debian's chromium and chromium-driver ({ChromiumPath}, {ChromeDriverPath}). " +
                "./test.sh installs them; or: sudo apt-get install chromium chromium-driver");
        }
        _baseAddress = baseAddress;
        _prefix = testName;
        Directory.CreateDirectory(ScreenshotFolder);
        foreach (var old in Directory.EnumerateFiles(ScreenshotFolder, $"{_prefix}-*.png"))
        {
            File.Delete(old); // a previous run's pictures would mislead whoever looks at a failure
        }

        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1400,1000", $"--user-data-dir={_profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public IWebDriver Driver => _driver;

    public void Open(string path) => _driver.Navigate().GoToUrl(new Uri(_baseAddress, path));

    public IWebElement Find(string css) => _driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => _driver.FindElements(By.CssSelector(css));

    public string PathAndQuery => new Uri(_driver.Url).PathAndQuery;

    /// <summary>Clicks and waits until the page that the click navigates to has a path starting with <paramref name="pathPrefix"/>.</summary>
    public void ClickAndWait(string css, string pathPrefix)
    {
        Find(css).Click();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.StartsWith(pathPrefix, PathAndQuery);
    }

    /// <summary>Clicks and waits until the page that the click navigates to is exactly <paramref name="pathAndQuery"/>.</summary>
    public void ClickAndWaitFor(string css, string pathAndQuery)
    {
        Find(css).Click();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (PathAndQuery != pathAndQuery && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.Equal(pathAndQuery, PathAndQuery);
    }

    /// <summary>Saves <c>{test}-{n}-{step}.png</c> and returns its path.</summary>
    public string Screenshot(string step)
    {
        var path = Path.Combine(ScreenshotFolder, $"{_prefix}-{++_shots:00}-{step}.png");
        _driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a file for a moment; the temp folder is cleaned eventually.
        }
    }
}
